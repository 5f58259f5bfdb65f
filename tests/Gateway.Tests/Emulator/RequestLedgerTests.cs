using Sunra.Emulator;

namespace Gateway.Tests.Emulator;

/// <summary>The emulator's queue keeps a bounded number of requests, as it runs for hours in sandbox mode.</summary>
public sealed class RequestLedgerTests
{
    [Fact]
    public void Past_its_capacity_the_ledger_forgets_its_oldest_requests()
    {
        var ledger = new RequestLedger(new EmulatorOptions(), TimeProvider.System);
        var first = ledger.Submit(SunraEmulatorApi.VideoToVideo, "video_1", "p");

        for (var i = 0; i < RequestLedger.Capacity + 1_000; i++)
        {
            ledger.Submit(SunraEmulatorApi.VideoToVideo, "video_1", "p");
        }

        Assert.Equal(RequestLedger.Capacity, ledger.Count);
        Assert.Null(ledger.Find(first.Id));
    }
}
