using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>
/// A Sunra that costs nothing: nginx answering the queue protocol from memory, with a fresh
/// request id for every submit and COMPLETED for every status. It refuses any call without the
/// benchmark's Sunra key, so a gateway row counts only calls that carried the key, and it writes one
/// short line per call, so the benchmark can tell how many calls reached it.
/// </summary>
internal sealed class FastUpstream : IAsyncDisposable
{
    public const string SunraKey = "bench-sunra-key";

    private readonly BenchProcess nginx;
    private readonly string accessLog;
    private long readUpTo;

    private FastUpstream(BenchProcess nginx, int port, string accessLog)
    {
        this.nginx = nginx;
        this.accessLog = accessLog;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    public string BaseUrl { get; }

    public static async Task<FastUpstream> StartAsync(string work)
    {
        var nginx = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        var port = FreePort.Next();
        var folder = Directory.CreateDirectory(Path.Combine(work, "nginx")).FullName;
        var accessLog = Path.Combine(folder, "calls.log");
        var config = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(config, Config(folder, port, accessLog));
        var process = BenchProcess.Start(nginx, ["-p", folder, "-c", config], Path.Combine(folder, "nginx.out"), new Dictionary<string, string>());
        var upstream = new FastUpstream(process, port, accessLog);
        await process.WaitUntilAnswersAsync(new Uri($"{upstream.BaseUrl}/v1/queue/requests/pd_ready/status"), TimeSpan.FromSeconds(10), expectUnauthorized: true);
        return upstream;
    }

    /// <summary>The calls that reached the upstream since the last time it was asked, by kind.</summary>
    public UpstreamCalls TakeCalls()
    {
        using var log = new FileStream(accessLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        log.Seek(readUpTo, SeekOrigin.Begin);
        using var reader = new StreamReader(log);
        int submits = 0, statuses = 0, others = 0;
        while (reader.ReadLine() is { } line)
        {
            switch (line)
            {
                case "submit": submits++; break;
                case "status": statuses++; break;
                default: others++; break;
            }
        }

        readUpTo = log.Length;
        return new UpstreamCalls(submits, statuses, others);
    }

    public ValueTask DisposeAsync() => nginx.DisposeAsync();

    private static string Config(string folder, int port, string accessLog) => string.Create(CultureInfo.InvariantCulture, $$$"""
        worker_processes 1;
        daemon off;
        pid {{{folder}}}/nginx.pid;
        error_log {{{folder}}}/error.log warn;
        events { worker_connections 4096; }
        http {
          client_body_temp_path {{{folder}}}/body;
          proxy_temp_path {{{folder}}}/proxy;
          fastcgi_temp_path {{{folder}}}/fastcgi;
          uwsgi_temp_path {{{folder}}}/uwsgi;
          scgi_temp_path {{{folder}}}/scgi;
          keepalive_requests 1000000;
          default_type application/json;
          log_format kind '$kind';
          map $uri $kind {
            ~^/v1/queue/openai/sora-2/video-to-video$ submit;
            ~^/v1/queue/requests/[^/]+/status$ status;
            default other;
          }
          access_log {{{accessLog}}} kind;
          server {
            listen 127.0.0.1:{{{port}}};
            if ($http_authorization != "Key {{{SunraKey}}}") {
              return 401 '{"error":{"type":"authentication_error","code":"invalid_api_key","message":"Invalid API key","details":null},"timestamp":"2026-01-01T00:00:00Z","request_id":"bench"}';
            }
            location = /v1/queue/openai/sora-2/video-to-video {
              return 200 '{"request_id":"pd_$request_id","status":"IN_QUEUE","queue_position":0,"response_url":"http://127.0.0.1:{{{port}}}/v1/queue/requests/pd_$request_id","status_url":"http://127.0.0.1:{{{port}}}/v1/queue/requests/pd_$request_id/status","cancel_url":"http://127.0.0.1:{{{port}}}/v1/queue/requests/pd_$request_id/cancel"}';
            }
            location ~ ^/v1/queue/requests/(?<id>[A-Za-z0-9_-]+)/status$ {
              return 200 '{"request_id":"$id","status":"COMPLETED","logs":null,"metrics":{"inference_time":1.5},"success":true,"error":null}';
            }
            location ~ ^/v1/queue/requests/(?<id>[A-Za-z0-9_-]+)$ {
              return 200 '{"video":{"content_type":"video/mp4","file_name":"remix.mp4","file_size":1048576,"url":"https://cdn.example/remix.mp4"}}';
            }
            location / {
              return 404 '{"error":{"type":"not_found","code":"not_found","message":"Not found","details":null},"timestamp":"2026-01-01T00:00:00Z","request_id":"bench"}';
            }
          }
        }
        """);
}

internal readonly record struct UpstreamCalls(int Submits, int Statuses, int Others);
