using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real, throwaway Azurite (Microsoft's Azure Storage emulator, blob service only) on a free loopback
/// port, keeping its blobs in memory: run by Node from tests/azurite, pinned by its lock file.
/// </summary>
/// <remarks>
/// A real server rather than a fake, so that the SDK's own requests (block staging, the block list's
/// commit, ranged reads, conditional headers) are answered by what speaks the storage's protocol.
/// </remarks>
public sealed class AzuriteServer : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account, published with it; no real account has it.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The development account's key, as published with Azurite.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _output = new();
    private readonly Process _process;
    private readonly string _workspace;

    private AzuriteServer(Process process, int port, string workspace)
    {
        _process = process;
        _workspace = workspace;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The connection string of the development account on this server.</summary>
    public string ConnectionString => ConnectionStringFor(Port);

    /// <summary>What the server has written, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private static string PackageDirectory => Path.Combine(PublishedGateway.RepositoryRoot, "tests", "azurite");

    /// <summary>The development account's connection string for an Azurite on <paramref name="port"/>, whether one listens there or not.</summary>
    public static string ConnectionStringFor(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{port}/{AccountName};";

    /// <summary>Starts a server on a free port and waits until it accepts connections.</summary>
    /// <exception cref="InvalidOperationException">tests/azurite has not been installed, or the server did not come up.</exception>
    public static async Task<AzuriteServer> StartNewAsync(CancellationToken cancellationToken)
    {
        FullTierAttribute.Require("Node and Azurite");
        var main = Path.Combine(PackageDirectory, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (!File.Exists(main))
        {
            throw new InvalidOperationException(
                "tests/azurite has no node_modules: run tests/run.sh, or `npm ci --prefix tests/azurite`.");
        }

        var port = GatewayProcess.FreePort();
        // Its working directory: with --inMemoryPersistence (which refuses --location) Azurite should write nothing, but whatever it does write stays out of the repository.
        var workspace = Directory.CreateTempSubdirectory("gateway-tests-azurite-").FullName;
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = workspace,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
            main,
            "--blobHost", "127.0.0.1",
            "--blobPort", $"{port}",
            "--inMemoryPersistence",
            // Azurite 3.35 (the last on Node 20) refuses service versions newer than it knows with a 400, and SDK 12.30 asks for 2026-10-06.
            "--skipApiVersionCheck",
            // Azurite reports usage to Microsoft unless told not to; the tests reach no one.
            "--disableTelemetry",
            "--silent"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var server = new AzuriteServer(process, port, workspace);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var deadline = DateTime.UtcNow + StartTimeout;
            while (!process.HasExited && DateTime.UtcNow < deadline)
            {
                if (await AcceptsConnectionsAsync(port, cancellationToken))
                {
                    return server;
                }

                await Task.Delay(100, cancellationToken);
            }

            throw new InvalidOperationException($"Azurite did not accept connections on port {port}:\n{server.Output}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the server and removes its workspace.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_workspace, recursive: true);
        }
        catch (IOException)
        {
            // A leftover empty directory under /tmp is not worth failing a test over.
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, attempt.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
