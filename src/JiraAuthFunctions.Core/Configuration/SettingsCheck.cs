using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace JiraAuthFunctions.Configuration;

/// <summary>
/// Finds every setting under a section that would not bind to an options type, with its full key
/// and what is allowed; the app (<c>BindStrict</c>) and the CLI fail their start on any.
/// </summary>
/// <remarks>
/// Why: the binder (Microsoft.Extensions.Configuration.Binder 10) throws for a bad top-level value,
/// but silently drops a dictionary or list element whose value fails to convert: with
/// <c>Inbound:Integrations:ci:Verification=Magic</c> the whole <c>ci</c> integration vanished, the app
/// started, and every request got 401 unknown_integration. It also accepts an enum's number
/// (<c>Replay=7</c>) as an undefined member. This walks the section against the options type:
/// a value that does not convert, an enum value that is not a member's name, a key inside a named
/// entry (an integration, a connection) that is no setting at all (a typo such as <c>Issuer</c> for
/// <c>Issuers</c> would otherwise be ignored), and a list with a non-numeric index. Keys at a
/// section's top level are not checked for typos: several options types share a section.
/// Values are never echoed (a setting may hold a connection string).
/// </remarks>
public static class SettingsCheck
{
    /// <summary>Every key under <paramref name="section"/> that would not bind to <paramref name="type"/>, as one message each.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Options types are kept by the options binder's own annotations; nested property types are their members.")]
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "As above.")]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "TypeDescriptor converters of enum, primitive, TimeSpan and Uri types are not trimmed.")]
    public static List<string> Check(IConfigurationSection section, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] Type type)
    {
        var errors = new List<string>();
        CheckObject(section, type, checkUnknownKeys: false, errors);
        return errors;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "See Check.")]
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "See Check.")]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "See Check.")]
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "See Check.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "See Check.")]
    private static void CheckObject(IConfigurationSection section, Type type, bool checkUnknownKeys, List<string> errors)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                if (checkUnknownKeys)
                {
                    errors.Add($"{child.Path}: not a setting. Known here: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}.");
                }

                continue;
            }

            CheckValue(child, property.PropertyType, errors);
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "See Check.")]
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "See Check.")]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "See Check.")]
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "See Check.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "See Check.")]
    private static void CheckValue(IConfigurationSection section, Type type, List<string> errors)
    {
        var nullable = Nullable.GetUnderlyingType(type);
        var target = nullable ?? type;
        if (IsScalar(target))
        {
            if (section.Value is null)
            {
                if (section.GetChildren().Any())
                {
                    errors.Add($"{section.Path}: takes a single value ({Describe(target)}), not sub-settings.");
                }

                return;
            }

            if (section.Value.Length == 0)
            {
                if (target.IsValueType && nullable is null && target != typeof(string))
                {
                    errors.Add($"{section.Path}: is empty; expected {Describe(target)}.");
                }

                return;
            }

            if (!Converts(section.Value, target))
            {
                errors.Add($"{section.Path}: not a valid value; expected {Describe(target)}.");
            }

            return;
        }

        if (section.Value is { Length: > 0 })
        {
            errors.Add($"{section.Path}: needs sub-settings (e.g. {section.Path}:<name>), not a single value.");
            return;
        }

        if (DictionaryValueType(target) is { } valueType)
        {
            foreach (var entry in section.GetChildren())
            {
                CheckElement(entry, valueType, errors);
            }

            return;
        }

        if (ListElementType(target) is { } elementType)
        {
            foreach (var item in section.GetChildren())
            {
                if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    errors.Add($"{item.Path}: a list takes numbered entries ({section.Path}:0, {section.Path}:1, ...).");
                    continue;
                }

                CheckElement(item, elementType, errors);
            }

            return;
        }

        CheckObject(section, target, checkUnknownKeys: true, errors);
    }

    // An element of a dictionary or list: a named or numbered entry whose every key must be a setting.
    private static void CheckElement(IConfigurationSection entry, Type elementType, List<string> errors)
    {
        var target = Nullable.GetUnderlyingType(elementType) ?? elementType;
        if (IsScalar(target) || DictionaryValueType(target) is not null || ListElementType(target) is not null)
        {
            CheckValue(entry, elementType, errors);
        }
        else if (entry.Value is { Length: > 0 })
        {
            errors.Add($"{entry.Path}: needs sub-settings, not a single value.");
        }
        else
        {
            CheckObject(entry, target, checkUnknownKeys: true, errors);
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) ||
        type == typeof(TimeSpan) || type == typeof(DateTimeOffset) || type == typeof(DateTime) ||
        type == typeof(Uri) || type == typeof(Guid);

    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var definition &&
        (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)) &&
        type.GetGenericArguments()[0] == typeof(string)
            ? type.GetGenericArguments()[1]
            : null;

    private static Type? ListElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericTypeDefinition() is var definition &&
          (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IEnumerable<>) || definition == typeof(ICollection<>) || definition == typeof(HashSet<>) || definition == typeof(ISet<>))
            ? type.GetGenericArguments()[0]
            : null;

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "See Check.")]
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "See Check.")]
    private static bool Converts(string value, Type type)
    {
        if (type.IsEnum)
        {
            // A member's name only (any case, as the binder accepts): not a number, not a combination.
            return !char.IsAsciiDigit(value[0]) && value[0] != '-' && !value.Contains(',', StringComparison.Ordinal) &&
                   Enum.GetNames(type).Contains(value.Trim(), StringComparer.OrdinalIgnoreCase);
        }

        if (type == typeof(Uri))
        {
            return Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out _);
        }

        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException || ex.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static string Describe(Type type) =>
        type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type))}"
        : type == typeof(TimeSpan) ? "a duration as [d.]hh:mm:ss, e.g. 00:05:00 for five minutes or 90.00:00:00 for 90 days"
        : type == typeof(bool) ? "true or false"
        : type == typeof(int) || type == typeof(long) ? "a whole number"
        : type == typeof(Uri) ? "a URL"
        : type == typeof(Guid) ? "a GUID"
        : type.Name;
}
