namespace Gateway.Tests.Infrastructure;

/// <summary>One <see cref="AzuriteServer"/> for a class of tests (<c>IClassFixture&lt;AzuriteFixture&gt;</c>), started before its first test.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _server;

    /// <exception cref="InvalidOperationException">The server has not started.</exception>
    public AzuriteServer Server => _server ?? throw new InvalidOperationException("Azurite has not started.");

    public async ValueTask InitializeAsync() => _server = await AzuriteServer.StartNewAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
