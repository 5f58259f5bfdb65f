using Xunit.Sdk;

namespace Gateway.Tests.Infrastructure;

/// <summary>An answer the gateway gave contradicts its own OpenAPI document.</summary>
public sealed class OpenApiConformanceException(string message) : XunitException(message);
