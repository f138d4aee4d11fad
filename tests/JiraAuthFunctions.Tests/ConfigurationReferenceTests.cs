using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using JiraAuthFunctions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Tests;

/// <summary>
/// docs/configuration.md lists every setting: each key the options types bind is a row with its type,
/// and each row is a key that binds. The expected rows are derived from the options types by reflection
/// (a type with a <c>SectionName</c> constant is a section), so a new property fails this test until
/// its row is added; the failure message prints the rows it expects.
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    /// <summary>Settings read outside the options types (the host's own, the platform's).</summary>
    private static readonly Dictionary<string, string> OtherSettings = new(StringComparer.Ordinal)
    {
        [LocalData.ConfigurationKey] = "string",
        [JiraAuthFunctions.Telemetry.TelemetryServiceCollectionExtensions.ConnectionStringSetting] = "string",
    };

    public static TheoryData<string> Sections()
    {
        var data = new TheoryData<string>();
        foreach (var type in OptionsTypes())
        {
            data.Add(type.FullName!);
        }

        return data;
    }

    [Fact]
    public void Every_key_of_the_options_types_has_a_row_with_its_type_and_every_row_is_a_key()
    {
        var expected = OptionsTypes()
            .SelectMany(t => Keys((string)t.GetField("SectionName")!.GetRawConstantValue()!, t))
            .Concat(OtherSettings.Select(s => (Key: s.Key, Type: s.Value)))
            .ToList();
        var documented = DocumentedRows();

        var missing = expected.Where(e => !documented.Contains(e)).ToList();
        var unknown = documented.Where(d => !expected.Contains(d)).ToList();

        Assert.True(missing.Count == 0 && unknown.Count == 0, Explain(missing, unknown));
    }

    [Theory]
    [MemberData(nameof(Sections))]
    public async Task Every_section_is_registered_once_with_a_validator_checked_at_start(string typeName)
    {
        var type = OptionsTypes().Single(t => t.FullName == typeName);
        await using var factory = new HandlerFactory();
        factory.CreateClient();

        var validators = factory.Services.GetServices(typeof(IValidateOptions<>).MakeGenericType(type)).ToList();
        var sections = factory.Services.GetServices(typeof(StrictBinding).Assembly.GetType("JiraAuthFunctions.Hosting.SettingsSection`1")!.MakeGenericType(type)).ToList();

        Assert.NotEmpty(validators);
        Assert.Single(sections);
    }

    /// <summary>Every options type bound to a section: a public type with a <c>SectionName</c> constant in the app or Core.</summary>
    private static IEnumerable<Type> OptionsTypes() =>
        new[] { typeof(HandlerApp).Assembly, typeof(JiraAuthFunctions.Schemes.InboundOptions).Assembly }
            .SelectMany(a => a.GetExportedTypes())
            .Where(t => t.IsClass && t.Name.EndsWith("Options", StringComparison.Ordinal) && t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    /// <summary>The keys a type binds under <paramref name="prefix"/>: <c>&lt;name&gt;</c> for a dictionary's entries, <c>&lt;n&gt;</c> for a list's.</summary>
    private static IEnumerable<(string Key, string Type)> Keys(string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            var key = $"{prefix}:{property.Name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (Scalar(propertyType) is { } scalar)
            {
                yield return (key, scalar);
            }
            else if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                foreach (var entry in Keys($"{key}:<name>", propertyType.GetGenericArguments()[1]))
                {
                    yield return entry;
                }
            }
            else if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(List<>))
            {
                var element = propertyType.GetGenericArguments()[0];
                if (Scalar(element) is { } elementType)
                {
                    yield return (key, $"list of {elementType}");
                }
                else
                {
                    foreach (var entry in Keys($"{key}:<n>", element))
                    {
                        yield return entry;
                    }
                }
            }
            else
            {
                foreach (var entry in Keys(key, propertyType))
                {
                    yield return entry;
                }
            }
        }
    }

    private static string? Scalar(Type type) =>
        type.IsEnum ? $"enum: {string.Join(", ", Enum.GetNames(type))}"
        : type == typeof(string) ? "string"
        : type == typeof(bool) ? "bool"
        : type == typeof(int) || type == typeof(long) ? "integer"
        : type == typeof(TimeSpan) ? "duration"
        : type == typeof(Uri) ? "URL"
        : null;

    /// <summary>Rows of docs/configuration.md's tables whose first cell is a key in backticks: (key, type).</summary>
    private static List<(string Key, string Type)> DocumentedRows()
    {
        var rows = new List<(string, string)>();
        foreach (var line in File.ReadLines(Path.Combine(Root(), "docs", "configuration.md")))
        {
            if (Row().Match(line) is { Success: true } row)
            {
                rows.Add((row.Groups["key"].Value, row.Groups["type"].Value.Trim()));
            }
        }

        return rows;
    }

    private static string Explain(List<(string Key, string Type)> missing, List<(string Key, string Type)> unknown)
    {
        var text = new StringBuilder("docs/configuration.md does not match the options types.");
        if (missing.Count > 0)
        {
            text.AppendLine().AppendLine("Add these rows (settings key | type | default | what it does):");
            foreach (var (key, type) in missing)
            {
                text.AppendLine($"| `{key}` | {type} | | |");
            }
        }

        if (unknown.Count > 0)
        {
            text.AppendLine().AppendLine("These rows name no setting (or the wrong type): remove or fix them:");
            foreach (var (key, type) in unknown)
            {
                text.AppendLine($"| `{key}` | {type} |");
            }
        }

        return text.ToString();
    }

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "JiraAuthFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }

    [GeneratedRegex(@"^\|\s*`(?<key>[A-Za-z_][^`]*)`\s*\|(?<type>[^|]*)\|")]
    private static partial Regex Row();
}
