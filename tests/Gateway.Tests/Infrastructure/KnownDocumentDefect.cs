namespace Gateway.Tests.Infrastructure;

/// <summary>
/// One defect of the document: the operations it shows in, the statuses (null: any), where (as a
/// <see cref="DocumentViolation"/> says it: <c>status</c>, <c>parameter X</c>, a JSON pointer into the
/// body, <c>example</c>, <c>operationId</c>) and what is wrong.
/// </summary>
internal sealed record KnownDocumentDefect(string Id, SeenIn SeenIn, string[] Operations, int[]? Statuses, string Where, string Description)
{
    public bool Excuses(DocumentViolation violation) =>
        Operations.Contains(violation.Operation) && (Statuses is null || Statuses.Contains(violation.Status)) && violation.Where == Where;
}
