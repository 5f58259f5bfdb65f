using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Holds every answer the in-process tests receive from the gateway to the gateway's own OpenAPI
/// document (<see cref="AnswerCheck"/>): the status must be documented for the operation, the media
/// type declared, the required headers present and of their schema, a JSON body (or each event of a
/// stream the test reads) valid against the documented schema, a problem one of the documented types,
/// and a 400 must not refuse a parameter the document allows.
/// </summary>
/// <remarks>
/// <para>
/// A contradiction fails the test that received the answer, where it received it: the call (or the
/// read of the stream) throws, naming the operation, the status, the JSON pointer of the failing part
/// and the schema's error. A test that catches exceptions could swallow that, so each contradiction is
/// also kept against the running test, and <see cref="OpenApiConformanceAttribute"/> fails a test that
/// went on to pass: the check cannot pass silently, and no test has to run last for it to count.
/// </para>
/// <para>
/// Answers to paths the document does not describe (<c>/metrics</c>, <c>/swagger</c>, unknown routes,
/// methods a path does not have) and the document itself are not checked.
/// </para>
/// </remarks>
public static class OpenApiConformance
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<DocumentViolation>> Kept = new(StringComparer.Ordinal);

    // One document per gateway (settings could change it), fetched from it with its first client.
    private static readonly ConditionalWeakTable<object, OpenApiContract> Documents = [];

    /// <summary>
    /// A client of the test server like <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/>'s
    /// (the same redirect and cookie handling), whose every answer is checked against the document
    /// that factory's gateway serves.
    /// </summary>
    public static HttpClient CreateClient<T>(WebApplicationFactory<T> factory)
        where T : class
    {
        var options = factory.ClientOptions;
        DelegatingHandler[] handlers =
        [
            .. options.AllowAutoRedirect ? [new RedirectHandler(options.MaxAutomaticRedirections)] : Array.Empty<DelegatingHandler>(),
            .. options.HandleCookies ? [new CookieContainerHandler()] : Array.Empty<DelegatingHandler>(),
            new OpenApiConformanceHandler(Documents.GetValue(factory, _ => FetchDocument(factory))),
        ];
        return factory.CreateDefaultClient(options.BaseAddress, handlers);
    }

    /// <summary>
    /// The document, fetched before the client is handed out, while the test sets up: fetched in the
    /// middle of a test's first call, its generation (up to 100 ms on a loaded machine) broke the 200 ms
    /// emulator timings of Sunra-door tests. The wait is the factory's own way of starting its host, on
    /// which it blocks too; the fetch runs on the thread pool, so no test's context is waited on.
    /// </summary>
    private static OpenApiContract FetchDocument<T>(WebApplicationFactory<T> factory)
        where T : class
    {
        // Through a client of its own, unchecked, which no test can dispose of while it is under way.
        return Task.Run(async () =>
        {
            using var client = factory.CreateDefaultClient();
            return OpenApiContract.Of(await client.GetByteArrayAsync(OpenApiConformanceHandler.DocumentPath).ConfigureAwait(false));
        }).GetAwaiter().GetResult();
    }

    /// <summary>Fails the receiving test for each contradiction.</summary>
    internal static void Report(IReadOnlyList<DocumentViolation> violations)
    {
        if (violations.Count == 0)
        {
            return;
        }

        Keep(Kept, TestContext.Current.Test?.UniqueID, violations);
        throw new OpenApiConformanceException(
            "The answer contradicts the gateway's OpenAPI document (fix the document, or the answer):" + Environment.NewLine +
            string.Join(Environment.NewLine, violations.Select(v => "  " + v)));
    }

    /// <summary>Takes the contradictions kept against a test, as its end does (or a test of the checker that provoked them on purpose).</summary>
    internal static IReadOnlyList<DocumentViolation> TakeKept(string? test)
    {
        if (test is null)
        {
            return [];
        }

        return Kept.TryRemove(test, out var kept) ? [.. kept] : [];
    }

    // An answer received outside a test (a fixture's) has no test to keep it for; it still throws.
    private static void Keep(ConcurrentDictionary<string, ConcurrentQueue<DocumentViolation>> store, string? test, IEnumerable<DocumentViolation> violations)
    {
        if (test is not null)
        {
            var kept = store.GetOrAdd(test, _ => new());
            foreach (var violation in violations)
            {
                kept.Enqueue(violation);
            }
        }
    }
}
