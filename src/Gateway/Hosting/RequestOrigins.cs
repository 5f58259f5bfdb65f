namespace Gateway.Hosting;

public static class RequestOrigins
{
    /// <summary>
    /// The address the caller reached the gateway at, with its path base: <c>https://gateway.example</c>.
    /// Behind the load balancer: the Host it passes on, and the scheme it forwards (<see cref="EdgeExtensions"/>).
    /// </summary>
    public static string Origin(this HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";
}
