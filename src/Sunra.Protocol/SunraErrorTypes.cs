namespace Sunra.Protocol;

/// <summary>Sunra's error types, which follow the HTTP status of the answer.</summary>
public static class SunraErrorTypes
{
    public const string Authentication = "authentication_error";
    public const string Authorization = "authorization_error";
    public const string NotFound = "not_found_error";
    public const string Validation = "validation_error";
    public const string RateLimit = "rate_limit_error";
    public const string Api = "api_error";
    public const string InvalidRequest = "invalid_request_error";

    /// <summary>
    /// The type of an error answered with this status. Sunra documents only a few; the rest follow its
    /// naming, and any other failure of the caller's is an <c>invalid_request_error</c>.
    /// </summary>
    public static string Of(int status) => status switch
    {
        401 => Authentication,
        403 => Authorization,
        404 => NotFound,
        422 => Validation,
        429 => RateLimit,
        >= 500 => Api,
        _ => InvalidRequest,
    };
}
