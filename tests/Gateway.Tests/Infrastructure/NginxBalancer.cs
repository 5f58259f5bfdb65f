using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real nginx on a free loopback port, balancing round-robin over several gateway processes.
/// </summary>
/// <remarks>
/// <para>
/// Several gateways behind one address is how the gateway is deployed; a real load balancer lets the
/// tests check what a caller sees when one instance is stopped or killed, and that state shared
/// through Redis holds whichever instance a request lands on.
/// </para>
/// <para>
/// The configuration is nginx's defaults plus passive health checks: an upstream that refuses a
/// connection, times out or answers 502 is skipped for 2 seconds and the request goes to the next one.
/// nginx never passes a non-idempotent request (POST) to the next upstream once it has been sent to
/// one, and that default is kept on purpose: it is what production load balancers do.
/// </para>
/// <para>
/// Everything nginx writes (pid, logs, temp files) lives in a temp directory, so it runs as any user
/// and touches nothing under <c>/var</c> or <c>/etc</c>.
/// </para>
/// </remarks>
public sealed class NginxBalancer : IAsyncDisposable
{
    private const int SigQuit = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();

    private NginxBalancer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Address = new Uri($"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>What nginx wrote to stdout and stderr, for failure messages.</summary>
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

    /// <summary>Where callers send requests: <c>http://127.0.0.1:{port}</c>.</summary>
    public Uri Address { get; }

    /// <summary>nginx's error log: why it gave up on an upstream, or why it did not start.</summary>
    public string ErrorLog => ReadFile("error.log");

    /// <summary>One line per request: <c>METHOD URI STATUS UPSTREAMS</c>, where UPSTREAMS lists each upstream tried (<c>127.0.0.1:5001, 127.0.0.1:5002</c>).</summary>
    public string AccessLog => ReadFile("access.log");

    /// <summary>Writes the configuration, starts nginx and waits until its port accepts connections.</summary>
    /// <param name="upstreams">The gateways to balance over, e.g. each <see cref="GatewayProcess.Address"/>.</param>
    /// <param name="cancellationToken">Stops the wait for the port.</param>
    /// <exception cref="InvalidOperationException">nginx is not installed, or did not come up.</exception>
    public static async Task<NginxBalancer> StartAsync(IReadOnlyList<Uri> upstreams, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upstreams);
        ArgumentOutOfRangeException.ThrowIfZero(upstreams.Count);
        FullTierAttribute.Require("nginx");

        var binary = FindBinary();
        var directory = Directory.CreateTempSubdirectory("gateway-tests-nginx-").FullName;
        var port = GatewayProcess.FreePort();
        var configuration = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(configuration, Configuration(directory, port, upstreams), cancellationToken);

        var start = new ProcessStartInfo(binary)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // -e: the error log nginx opens before it reads the configuration; its built-in one is under /var/log.
        foreach (var argument in (string[])["-c", configuration, "-p", directory + "/", "-e", Path.Combine(directory, "error.log")])
        {
            start.ArgumentList.Add(argument);
        }

        var balancer = new NginxBalancer(Process.Start(start)!, directory, port);
        try
        {
            await balancer.WaitUntilListeningAsync(cancellationToken);
            return balancer;
        }
        catch
        {
            await balancer.DisposeAsync();
            throw;
        }
    }

    /// <summary>Asks nginx to stop (SIGQUIT), kills it if it takes too long, and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = NativeMethods.Kill(_process.Id, SigQuit);
            using var grace = new CancellationTokenSource(StopTimeout);
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                // A graceful stop waits for open requests; a test that is done does not.
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover directory under /tmp is not worth failing a test over.
        }
    }

    private static string Configuration(string directory, int port, IReadOnlyList<Uri> upstreams)
    {
        var servers = string.Concat(upstreams.Select(upstream =>
            $"        server {upstream.Host}:{upstream.Port.ToString(CultureInfo.InvariantCulture)} max_fails=1 fail_timeout=2s;\n"));

        // Run as root, nginx would switch its workers to "nobody", who cannot enter the temp directory
        // (created 0700); as any other user the directive is ignored with a warning, so it is left out.
        var user = NativeMethods.GetEffectiveUserId() == 0 ? "user root;\n" : "";

        return $$"""
            {{user}}daemon off;
            master_process on;
            worker_processes 1;
            pid "{{directory}}/nginx.pid";
            error_log "{{directory}}/error.log" notice;

            events {
            }

            http {
                log_format upstreams '$request_method $request_uri $status $upstream_addr';
                access_log "{{directory}}/access.log" upstreams;

                client_body_temp_path "{{directory}}/client_body";
                proxy_temp_path "{{directory}}/proxy";
                fastcgi_temp_path "{{directory}}/fastcgi";
                uwsgi_temp_path "{{directory}}/uwsgi";
                scgi_temp_path "{{directory}}/scgi";

                upstream gateway {
            {{servers}}    }

                server {
                    listen 127.0.0.1:{{port}};

                    location / {
                        proxy_pass http://gateway;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        # Streamed answers reach the caller as the gateway writes them.
                        proxy_buffering off;
                        proxy_read_timeout 120s;
                        proxy_connect_timeout 2s;
                        proxy_next_upstream error timeout http_502;
                    }
                }
            }

            """;
    }

    private static string FindBinary()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "nginx"))
            .Prepend("/usr/sbin/nginx")
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "nginx is not installed; run `bash tests/run.sh`, which installs it (apt package nginx-light).");
    }

    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!_process.HasExited && DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(Address.Host, Address.Port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        throw new InvalidOperationException(
            $"nginx did not listen on {Address}:\n{Output}\n{ErrorLog}\n{ReadFile("nginx.conf")}");
    }

    private string ReadFile(string name)
    {
        try
        {
            // nginx keeps the file open for writing.
            using var stream = new FileStream(Path.Combine(_directory, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return "";
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
