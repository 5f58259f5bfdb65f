using System.Text.Json.Serialization;
using Gateway.Core;
using Gateway.Problems;

namespace Gateway.Delivery;

/// <summary>What a webhook receives, signed, when its remix reaches a final state.</summary>
public sealed record RemixWebhook
{
    public required string RequestId { get; init; }

    /// <summary>COMPLETED or CANCELED.</summary>
    public required RemixState Status { get; init; }

    /// <summary>The video, when the remix completed with success.</summary>
    public RemixVideo? Video { get; init; }

    /// <summary>Why the generation failed, when it completed without success.</summary>
    public GenerationFailure? Error { get; init; }

    /// <summary>When this attempt was sent; also in <c>X-Signature-Timestamp</c>. Signed with the body, so a receiver can refuse old replays.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RemixWebhook))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
