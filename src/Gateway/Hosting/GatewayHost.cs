using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

public static class GatewayHost
{
    /// <summary>Runs the gateway; a configuration that cannot work ends it at once with its reasons and exit code 1.</summary>
    public static int Run(WebApplication app)
    {
        try
        {
            app.Run();
            return 0;
        }
        catch (OptionsValidationException invalid)
        {
            Console.Error.WriteLine("The gateway cannot start:");
            foreach (var failure in invalid.Failures)
            {
                Console.Error.WriteLine($"  {failure}");
            }

            return 1;
        }
    }
}
