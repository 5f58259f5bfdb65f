using Microsoft.Extensions.Http.Logging;

namespace Gateway.Sunra;

/// <summary>
/// Logs each call to Sunra by method, path, status and time, and never its headers. It replaces
/// HttpClient's default loggers: at Trace those hand the raw request headers (the key among them)
/// to structured sinks as a property, whatever their rendered text redacts.
/// </summary>
internal sealed partial class SunraCallLogger(ILogger<SunraCallLogger> logger) : IHttpClientLogger
{
    // The handler times the call itself and passes the elapsed time to the stop methods.
    public object? LogRequestStart(HttpRequestMessage request) => null;

    public void LogRequestStop(object? context, HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogCall(request.Method.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, elapsed.TotalMilliseconds);
        }
    }

    public void LogRequestFailed(object? context, HttpRequestMessage request, HttpResponseMessage? response, Exception exception, TimeSpan elapsed)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogFailed(exception, request.Method.Method, request.RequestUri?.AbsolutePath, elapsed.TotalMilliseconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sunra {SunraMethod} {SunraPath} answered {SunraStatus} in {SunraElapsed:0.0} ms")]
    private partial void LogCall(string sunraMethod, string? sunraPath, int sunraStatus, double sunraElapsed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sunra {SunraMethod} {SunraPath} failed after {SunraElapsed:0.0} ms")]
    private partial void LogFailed(Exception exception, string sunraMethod, string? sunraPath, double sunraElapsed);
}
