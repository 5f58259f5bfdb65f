using Gateway.Problems;

namespace Gateway.Hosting;

public static class ProblemExtensions
{
    /// <summary>RFC 9457 answers for every refusal: validation, unreadable bodies, unknown routes, and the unexpected.</summary>
    public static WebApplicationBuilder AddGatewayProblems(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            if (context.ProblemDetails is HttpValidationProblemDetails invalid)
            {
                WireNames.Apply(invalid);
            }

            if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge)
            {
                context.ProblemDetails.Type = ProblemCatalog.PayloadTooLarge.Uri;
                context.ProblemDetails.Title = ProblemCatalog.PayloadTooLarge.Title;
                context.ProblemDetails.Detail = ProblemCatalog.PayloadTooLarge.Detail;
            }

            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType)
            {
                context.ProblemDetails.Type = ProblemCatalog.UnsupportedMediaType.Uri;
                context.ProblemDetails.Title ??= ProblemCatalog.UnsupportedMediaType.Title;
                context.ProblemDetails.Detail ??= ProblemCatalog.UnsupportedMediaType.Detail;
            }
        });
        builder.Services.AddValidation();
        builder.Services.AddExceptionHandler<UnreadableRequestHandler>();

        // Binding failures are thrown so that UnreadableRequestHandler can name the field at fault.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    public static WebApplication UseGatewayProblems(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
