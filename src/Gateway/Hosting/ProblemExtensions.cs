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
                context.ProblemDetails.Type = ProblemTypes.PayloadTooLarge;
                context.ProblemDetails.Title = "The body is too large";
                context.ProblemDetails.Detail = $"A remix request is at most {EdgeExtensions.MaxRequestBodyBytes / 1024} KiB.";
            }

            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType)
            {
                context.ProblemDetails.Type = ProblemTypes.UnsupportedMediaType;
                context.ProblemDetails.Detail ??= "Send the body as UTF-8 JSON, with Content-Type: application/json.";
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
