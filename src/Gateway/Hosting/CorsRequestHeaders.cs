namespace Gateway.Hosting;

/// <summary>The request headers a browser may send cross-origin: the body's type, a bearer key, and those the features name.</summary>
public sealed class CorsRequestHeaders
{
    public List<string> Names { get; } = ["Content-Type", "Authorization"];
}
