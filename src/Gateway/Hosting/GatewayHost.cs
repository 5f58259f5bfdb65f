using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

public static class GatewayHost
{
    /// <summary>
    /// Runs the gateway. A configuration that cannot work (a value that fails validation, cannot be
    /// read as its type, or a setting the gateway does not have) ends it at once, with its reasons
    /// and exit code 1.
    /// </summary>
    public static int Run(WebApplication app)
    {
        try
        {
            app.Run();
            return 0;
        }
        catch (OptionsValidationException invalid)
        {
            return CannotStart(invalid.Failures);
        }
        catch (InvalidOperationException unreadable) when (unreadable.Source == "Microsoft.Extensions.Configuration.Binder")
        {
            // The binder wraps the setting at fault in inner exceptions; each level says a part.
            var reasons = new List<string>();
            for (Exception? level = unreadable; level is not null; level = level.InnerException)
            {
                reasons.Add(level.Message);
            }

            return CannotStart(reasons);
        }
    }

    private static int CannotStart(IEnumerable<string> reasons)
    {
        Console.Error.WriteLine("The gateway cannot start:");
        foreach (var reason in reasons)
        {
            Console.Error.WriteLine($"  {reason}");
        }

        return 1;
    }
}
