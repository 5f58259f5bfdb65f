using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>The gateway as its own process (<c>dotnet Gateway.dll</c>), on a loopback port.</summary>
/// <remarks>
/// A real process is what it takes to test how the gateway starts, what it does on SIGTERM and what
/// its peers see when it dies: none of that is visible through an in-memory test server.
/// </remarks>
public sealed class GatewayProcess : IAsyncDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Address = new Uri($"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    /// <summary>The loopback port the gateway listens on; pass it to a later <see cref="Start(string, IReadOnlyList{string}, IReadOnlyDictionary{string, string?}, int?)"/> to bring a gateway back on the same address.</summary>
    public int Port { get; }

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

    public Process Process => _process;

    /// <summary>The output as compact JSON log events, a line each: it fails if any line is not JSON.</summary>
    public IReadOnlyList<System.Text.Json.JsonElement> LogEvents =>
        [.. Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)];

    /// <summary>The one request line (the line with the status) of the request to this path.</summary>
    public System.Text.Json.JsonElement RequestLine(string path) =>
        Assert.Single(LogEvents, line => line.TryGetProperty("RequestPath", out var logged) && logged.GetString() == path && line.TryGetProperty("StatusCode", out _));

    /// <summary>
    /// The environment of a gateway process in front of this emulator, with the canary key and the
    /// caller "orders", plus the given settings (a null value removes one, e.g. <c>SUNRA_KEY</c>).
    /// </summary>
    public static Dictionary<string, string?> EnvironmentFor(global::Sunra.Emulator.EmulatorServer sunra, params (string Name, string? Value)[] settings)
    {
        var environment = new Dictionary<string, string?>
        {
            ["SUNRA_KEY"] = GatewayFactory.SunraKey,
            ["Sunra__BaseUrl"] = sunra.BaseUrl.ToString(),
            ["Gateway__Clients__orders__KeySha256"] = global::Gateway.Callers.CallerDirectory.HashOf(GatewayFactory.OrdersKey),
            ["Gateway__Custody__Enabled"] = "false",
        };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>Starts the <c>Gateway.dll</c> the test project was built with, on a free port.</summary>
    public static GatewayProcess Start(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment) =>
        Start(Path.Combine(AppContext.BaseDirectory, "Gateway.dll"), arguments, environment);

    /// <summary>Starts the given <c>Gateway.dll</c> (e.g. the published one, see <see cref="PublishedGateway"/>).</summary>
    /// <param name="gatewayDll">The gateway to run; its directory is the working directory, as in a deployment.</param>
    /// <param name="arguments">Command-line arguments; <c>--urls</c> is added.</param>
    /// <param name="environment">Variables set on top of this process's environment, which loses <c>SUNRA_KEY</c>.</param>
    /// <param name="port">The port to listen on: a free one when null, or the port of an earlier gateway to restart it in place.</param>
    public static GatewayProcess Start(
        string gatewayDll,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        int? port = null)
    {
        FullTierAttribute.Require("the gateway as a process");
        var listenPort = port ?? FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(gatewayDll))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(gatewayDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{listenPort}");
        start.Environment.Remove("SUNRA_KEY");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return new GatewayProcess(Process.Start(start)!, listenPort);
    }

    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = Address };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var ready = await client.GetAsync("/health/ready", cancellationToken);
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new InvalidOperationException($"The gateway did not become ready:\n{Output}");
    }

    /// <summary>
    /// Sends SIGTERM, as an orchestrator does on a rolling deploy, and waits for the gateway to exit.
    /// </summary>
    /// <returns>The exit code.</returns>
    /// <exception cref="TimeoutException">The gateway was still running after <paramref name="timeout"/>; it is left running for <see cref="DisposeAsync"/>.</exception>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited && NativeMethods.Kill(_process.Id, SigTerm) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (!_process.HasExited)
            {
                throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed with errno {error}.");
            }
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"The gateway did not exit within {timeout} of SIGTERM:\n{Output}");
        }

        // The parameterless overload also waits for the redirected output to be read to its end.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Kills the gateway with SIGKILL, as a crash or an OOM kill would, and waits for it to be gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
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

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// The libc calls the process fixtures need: .NET can only SIGKILL a process, and a graceful stop
/// (SIGTERM for the gateway, SIGQUIT for nginx) is what the tests are about.
/// </summary>
/// <remarks>
/// <c>DllImport</c> rather than <c>LibraryImport</c>: the generated stubs need <c>AllowUnsafeBlocks</c>,
/// and with only <c>int</c>s crossing, the runtime marshals these without any stub anyway.
/// </remarks>
internal static class NativeMethods
{
    /// <summary><c>kill(2)</c>: sends <paramref name="signal"/> to <paramref name="pid"/>; 0 on success, -1 and errno otherwise.</summary>
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static extern int Kill(int pid, int signal);

    /// <summary><c>geteuid(2)</c>: the effective user id, 0 when running as root.</summary>
    [DllImport("libc", EntryPoint = "geteuid")]
    internal static extern uint GetEffectiveUserId();
}
