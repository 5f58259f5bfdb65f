using System.ComponentModel.DataAnnotations;
using Gateway.Hosting;

namespace Gateway.Core;

/// <summary>
/// A remix to make, as every door reads it: an earlier Sora 2 video and the prompt that changes it,
/// with the model card's limits as validation rules. Other fields are ignored, as the model card's
/// schema allows them; they are never sent to Sunra.
/// </summary>
public sealed record RemixRequest
{
    public const int PromptMaxLength = 5000;

    /// <summary>The video ID of a previous Sora 2 generation to remix.</summary>
    /// <example>video_68d7512d07848190b3e45da0ecbebcde004da08e1e0678d5</example>
    [Required(AllowEmptyStrings = true, ErrorMessage = "video_id is required.")]
    [MinLength(1, ErrorMessage = "video_id must not be empty.")]
    public string? VideoId { get; init; }

    /// <summary>A text description for the remixed video: 1 to 5000 characters, counted as Unicode code points.</summary>
    /// <example>The same scene at dusk, in the rain, shot on 16 mm film</example>
    [Required(AllowEmptyStrings = true, ErrorMessage = "prompt is required.")]
    [CodePointLength(1, PromptMaxLength)]
    public string? Prompt { get; init; }

    /// <summary>
    /// Optional: where the gateway POSTs the outcome, signed with the caller's webhook secret, once the
    /// remix completes or is canceled. http or https, to a host the operators allowed.
    /// </summary>
    /// <example>https://hooks.orders.internal/remix-done</example>
    [MaxLength(WebhookUrls.MaxLength, ErrorMessage = "webhook_url is at most 2048 characters.")]
    public string? WebhookUrl { get; init; }

    /// <summary>The order the core buys: validation has made both fields present.</summary>
    public RemixOrder ToOrder() => new(VideoId!, Prompt!, WebhookUrl);
}
