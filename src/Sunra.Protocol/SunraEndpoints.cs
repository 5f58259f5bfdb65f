namespace Sunra.Protocol;

/// <summary>The Sunra endpoint ids the gateway and the emulator know: the one model the gateway fronts.</summary>
public static class SunraEndpoints
{
    /// <summary>Sora 2's remix of an earlier generation (the model card's <c>openai/sora-2/video-to-video</c>).</summary>
    public const string VideoToVideo = "openai/sora-2/video-to-video";
}
