namespace Gateway.Tests.Infrastructure;

/// <summary>
/// One way an answer (or the document itself) contradicts the document: the operation, the status,
/// where (<c>status</c>, <c>content-type</c>, <c>body</c>, <c>header X</c>, <c>parameter X</c>, a JSON
/// pointer into the body, or into an event's data after <c>event</c>) and what.
/// </summary>
public sealed record DocumentViolation(string Operation, int Status, string Where, string What, string Request)
{
    public override string ToString() => $"{Request} → {Status}, operation {Operation}: {Where}: {What}";
}
