namespace Gateway.Tests.Infrastructure;

/// <summary>Where a known defect of the document shows: in the answers the tests receive, or in the document itself.</summary>
internal enum SeenIn
{
    Answers,
    Document,
}
