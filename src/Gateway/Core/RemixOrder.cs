namespace Gateway.Core;

/// <summary>A remix to buy: the two fields of the model's input, and where to tell its outcome.</summary>
public sealed record RemixOrder(string VideoId, string Prompt, string? WebhookUrl = null);
