using System.Reflection;
using Xunit.v3;

[assembly: Gateway.Tests.Infrastructure.OpenApiConformance]

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// After each test, the contradictions of the OpenAPI document its answers showed: each already threw
/// where the answer was received, so a test that still passed caught the exception, and fails here.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class OpenApiConformanceAttribute : BeforeAfterTestAttribute
{
    public override void After(MethodInfo methodUnderTest, IXunitTest test)
    {
        var violations = OpenApiConformance.TakeKept(test.UniqueID);
        if (violations.Count == 0)
        {
            return;
        }

        var list = string.Join(Environment.NewLine, violations.Select(v => "  " + v));

        // A test that failed already did so, almost always on the contradiction itself, where it was received.
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            TestContext.Current.TestOutputHelper?.WriteLine("Answers this test received that contradict the OpenAPI document:" + Environment.NewLine + list);
            return;
        }

        throw new OpenApiConformanceException(
            $"{violations.Count} answer(s) this test received contradict the OpenAPI document; the test caught the exception " +
            "thrown where it received them and went on:" + Environment.NewLine + list);
    }
}
