using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real, throwaway <c>redis-server</c> on a free loopback port, with no persistence.
/// </summary>
/// <remarks>
/// A real server rather than a fake, because what the tests need to see is how the gateway behaves
/// against Redis's own protocol and failure modes: <see cref="StopAsync"/> kills it the way an outage
/// would, and <see cref="StartAsync"/> brings it back on the same port (and empty, as after a restart
/// without persistence), so the gateway's existing connection string reconnects to it.
/// </remarks>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly string _binary;
    private readonly string _directory;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RedisServer(string binary, int port, string directory)
    {
        _binary = binary;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis connection string: <c>127.0.0.1:{port}</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>What every run of the server has written, for failure messages.</summary>
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

    /// <summary>
    /// How the server ended, with everything it wrote, when it died on its own: it was started, not
    /// stopped, and is no longer running. Null while it runs, and after <see cref="StopAsync"/>.
    /// </summary>
    public string? Death
    {
        get
        {
            if (_process is not { HasExited: true } process)
            {
                return null;
            }

            // The parameterless overload also waits for the redirected output to be read to its end.
            process.WaitForExit();
            return $"redis-server on port {Port} exited with code {process.ExitCode}. It wrote:\n{Output}";
        }
    }

    /// <summary>Starts a server on a free port and waits until it answers PING.</summary>
    /// <exception cref="InvalidOperationException"><c>redis-server</c> is not installed, or did not come up.</exception>
    public static async Task<RedisServer> StartNewAsync(CancellationToken cancellationToken)
    {
        FullTierAttribute.Require("redis-server");
        var server = new RedisServer(
            FindBinary(),
            GatewayProcess.FreePort(),
            Directory.CreateTempSubdirectory("gateway-tests-redis-").FullName);
        try
        {
            await server.StartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server on <see cref="Port"/> (again, after <see cref="StopAsync"/>) and waits until it answers PING.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("The Redis server is already running.");
        }

        var start = new ProcessStartInfo(_binary)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
            "--port", $"{Port}",
            "--bind", "127.0.0.1",
            // Only loopback can reach it, so protected mode (which refuses non-loopback clients without a password) has nothing to add.
            "--protected-mode", "no",
            "--save", "",
            "--appendonly", "no",
            "--dir", _directory,
            "--daemonize", "no",
            "--logfile", ""])
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + StartTimeout;
        while (!process.HasExited && DateTime.UtcNow < deadline)
        {
            if (await AnswersPingAsync(cancellationToken))
            {
                return;
            }

            await Task.Delay(50, cancellationToken);
        }

        await StopAsync();
        throw new InvalidOperationException($"redis-server did not answer PING on port {Port}:\n{Output}");
    }

    /// <summary>Kills the server (SIGKILL, no goodbye to its clients) and waits until it has exited.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        // Forgotten first: a server being stopped has not died.
        _process = null;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover empty directory under /tmp is not worth failing a test over.
        }
    }

    private static string FindBinary()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "redis-server"))
            .Append("/usr/bin/redis-server")
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "redis-server is not installed; run `bash tests/run.sh`, which installs it (apt package redis-server).");
    }

    /// <summary>Sends an inline <c>PING</c> over a raw socket: no Redis client is needed to know the server is up.</summary>
    private async Task<bool> AnswersPingAsync(CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port, attempt.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), attempt.Token);
            var buffer = new byte[64];
            var read = 0;
            while (read < buffer.Length)
            {
                var count = await stream.ReadAsync(buffer.AsMemory(read), attempt.Token);
                if (count == 0)
                {
                    break;
                }

                read += count;
                if (buffer.AsSpan(0, read).IndexOf("\r\n"u8) >= 0)
                {
                    break;
                }
            }

            // "-LOADING" or "-ERR" while it starts up count as not ready yet.
            return buffer.AsSpan(0, read).StartsWith("+PONG"u8);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
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
