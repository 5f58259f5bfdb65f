using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

public static class GatewayHost
{
    /// <summary>The builder, with the one clock every part of the gateway reads (tests replace it).</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>
    /// Builds the gateway, lays out its pipeline and runs it. A configuration that cannot work (a value
    /// that fails validation, cannot be read as its type, or a setting the gateway does not have) ends
    /// it before anything starts or logs, with its reasons on standard error and exit code 1.
    /// </summary>
    public static int Run(WebApplicationBuilder builder, Action<WebApplication> pipeline)
    {
        try
        {
            var app = builder.Build();

            // Every options class marked ValidateOnStart, checked before the pipeline is laid out (which
            // reads some of them, and may log) and before the host's start, which would log the failure
            // with its stack before this could say it plainly.
            app.Services.GetService<IStartupValidator>()?.Validate();
            pipeline(app);
            app.Run();
            return 0;
        }
        catch (OptionsValidationException invalid)
        {
            return CannotStart(invalid.Failures);
        }
        catch (AggregateException invalid) when (invalid.InnerExceptions.All(e => e is OptionsValidationException))
        {
            return CannotStart(invalid.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures));
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
