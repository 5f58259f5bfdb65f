namespace Gateway.Tests.Storage;

/// <summary>What a broken download throws in the middle of a video.</summary>
public sealed class ContentFailedException() : Exception("The content broke off.");
