using System.Reflection;
using System.Text.Json;
using Gateway.Core;
using Gateway.Problems;
using Sunra.Protocol;

namespace Gateway.Tests.Problems;

/// <summary>The catalog is the one list of problem types, and it speaks Sunra's codes as Sunra.Protocol defines them.</summary>
public sealed class ProblemCatalogTests
{
    private static readonly ProblemType[] Declared =
        [.. typeof(ProblemCatalog).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(ProblemType)).Select(f => (ProblemType)f.GetValue(null)!)];

    [Fact]
    public void Every_problem_type_declared_is_in_the_catalogs_list_once_with_its_own_uri()
    {
        Assert.Equal(Declared.Select(t => t.Uri).Order(), ProblemCatalog.All.Select(t => t.Uri).Order());
        Assert.Equal(ProblemCatalog.All.Count, ProblemCatalog.All.Select(t => t.Uri).Distinct().Count());
        Assert.All(ProblemCatalog.All, type => Assert.StartsWith("/problems/", type.Uri, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_code_of_Sunras_wire_format_the_door_answers_is_a_problem_type_with_the_same_status()
    {
        foreach (var error in SunraErrors.All.Except(SunraErrors.OnlySunraAnswers))
        {
            var type = Assert.Single(ProblemCatalog.All, t => t.Code == error.Code);
            Assert.Equal(error.Status, type.Status);
        }
    }

    [Fact]
    public void A_code_only_Sunra_answers_is_in_Sunras_catalog_and_no_problem_type_of_the_gateways()
    {
        Assert.NotEmpty(SunraErrors.OnlySunraAnswers);
        foreach (var error in SunraErrors.OnlySunraAnswers)
        {
            Assert.Contains(error, SunraErrors.All);
            Assert.DoesNotContain(ProblemCatalog.All, t => t.Code == error.Code);
        }
    }

    [Fact]
    public void A_states_wire_name_is_the_one_its_JSON_carries()
    {
        foreach (var state in Enum.GetValues<RemixState>())
        {
            Assert.Equal($"\"{state.WireName()}\"", JsonSerializer.Serialize(state));
        }
    }
}
