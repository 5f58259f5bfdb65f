using System.Diagnostics.CodeAnalysis;

namespace Gateway.Problems;

/// <summary>
/// What an operation gave: its value, or the problem to answer with. <see cref="MayHaveSucceeded"/>:
/// a failed submit that reached Sunra without a usable answer, so Sunra may have accepted (and will
/// charge for) the remix.
/// </summary>
public readonly record struct Outcome<T>(T? Value, Problem? Problem, bool MayHaveSucceeded = false)
    where T : class
{
    [MemberNotNullWhen(false, nameof(Value))]
    [MemberNotNullWhen(true, nameof(Problem))]
    public bool Failed => Problem is not null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Problem problem) => new(null, problem);

    /// <summary>The same failure, for an operation of another result type.</summary>
    public Outcome<TOther> FailedAs<TOther>()
        where TOther : class => new(null, Problem, MayHaveSucceeded);
}
