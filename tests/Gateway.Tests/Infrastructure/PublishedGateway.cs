using System.Diagnostics;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway as <c>dotnet publish</c> lays it out, which is what is deployed behind a load balancer.
/// </summary>
/// <remarks>
/// <c>tests/run.sh</c> publishes to <c>artifacts/publish/Gateway</c> before it runs the tests; when
/// the tests run some other way (an IDE, a bare <c>dotnet test</c>) and nothing is there yet, the
/// first test to ask publishes it, once for the whole run. An existing publish is used as is, so
/// after changing the gateway, run <c>tests/run.sh</c> or delete <c>artifacts/publish</c>.
/// </remarks>
public static class PublishedGateway
{
    private static readonly SemaphoreSlim Publishing = new(1, 1);

    /// <summary>The full path of the published <c>Gateway.dll</c>, publishing it first if it is missing.</summary>
    /// <exception cref="InvalidOperationException"><c>dotnet publish</c> failed; the message has its output.</exception>
    public static async Task<string> PathAsync(CancellationToken cancellationToken)
    {
        FullTierAttribute.Require("the published gateway");
        var root = RepositoryRoot;
        var output = Path.Combine(root, "artifacts", "publish", "Gateway");
        var gateway = Path.Combine(output, "Gateway.dll");
        if (File.Exists(gateway))
        {
            return gateway;
        }

        await Publishing.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(gateway))
            {
                await PublishAsync(Path.Combine(root, "src", "Gateway", "Gateway.csproj"), output, cancellationToken);
            }

            return gateway;
        }
        finally
        {
            Publishing.Release();
        }
    }

    private static async Task PublishAsync(string project, string output, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["publish", project, "--configuration", "Release", "--output", output, "-nologo"])
        {
            start.ArgumentList.Add(argument);
        }

        var log = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            string text;
            lock (log)
            {
                text = log.ToString();
            }

            throw new InvalidOperationException($"`dotnet publish {project}` failed with exit code {process.ExitCode}:\n{text}");
        }
    }

    /// <summary>The directory holding <c>Gateway.sln</c>, above the test binaries.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Gateway.sln above {AppContext.BaseDirectory}.");
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }
}
