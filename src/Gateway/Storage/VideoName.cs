namespace Gateway.Storage;

/// <summary>The rule every storage holds a video's name to.</summary>
internal static class VideoName
{
    /// <summary>
    /// <paramref name="name"/>, when it can be stored under as it is: names are the gateway's own
    /// (request ids, checked against a strict pattern), never a path in a directory or a blob's virtual folder.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty or holds '/', '\' or '.'.</exception>
    public static string Checked(string name) =>
        name.Length > 0 && name.IndexOfAny(['/', '\\', '.']) < 0 ? name : throw new ArgumentException($"'{name}' is not a video name.", nameof(name));
}
