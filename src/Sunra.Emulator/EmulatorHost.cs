namespace Sunra.Emulator;

/// <summary>Runs the emulator alone: <c>dotnet run --project src/Sunra.Emulator -- --urls http://127.0.0.1:5080</c>.</summary>
public static class EmulatorHost
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Services.AddSunraEmulator();
        var app = builder.Build();
        app.MapSunraEmulator();
        app.Run();
    }
}
