using Gateway.Callers;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Callers;

/// <summary>The directory alone: which key names which caller, whatever the key's length or alphabet.</summary>
public sealed class CallerDirectoryTests
{
    // Longer than the 256 bytes hashed from the stack, so it is hashed from a rented buffer.
    private static readonly string LongKey = "long-" + new string('k', 400);

    private const string AccentedKey = "clé-été-🎬";

    private static readonly CallerDirectory Directory = new(Options.Create(new CallersOptions
    {
        Clients = new(StringComparer.Ordinal)
        {
            ["orders"] = new CallerOptions { KeySha256 = CallerDirectory.HashOf("orders-key") },
            ["archive"] = new CallerOptions { KeySha256 = CallerDirectory.HashOf(LongKey) },
            ["studio"] = new CallerOptions { KeySha256 = CallerDirectory.HashOf(AccentedKey) },
        },
    }));

    [Fact]
    public void Each_key_finds_its_own_caller_however_long_and_whatever_its_characters()
    {
        Assert.Equal("orders", Directory.Find("orders-key")?.Name);
        Assert.Equal("archive", Directory.Find(LongKey)?.Name);
        Assert.Equal("studio", Directory.Find(AccentedKey)?.Name);
    }

    [Fact]
    public void A_key_that_differs_by_a_character_or_is_cut_short_finds_no_caller()
    {
        Assert.Null(Directory.Find("orders-kez"));
        Assert.Null(Directory.Find(LongKey[..^1]));
        Assert.Null(Directory.Find(LongKey + "k"));
        Assert.Null(Directory.Find(AccentedKey[..^2]));
        Assert.Null(Directory.Find(""));
    }

    [Fact]
    public void A_caller_is_named_exactly_and_no_name_is_no_caller()
    {
        Assert.Equal("archive", Directory.Named("archive")?.Name);
        Assert.Null(Directory.Named("Archive"));
        Assert.Null(Directory.Named(null));
    }
}
