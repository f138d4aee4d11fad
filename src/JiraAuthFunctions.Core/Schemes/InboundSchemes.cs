using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Schemes;

/// <summary>
/// The registered schemes by verification method: the one place that picks a scheme for an
/// integration. A later registration for the same method replaces an earlier one.
/// </summary>
public sealed class InboundSchemes
{
    private readonly FrozenDictionary<VerificationMethod, InboundScheme> _schemes;

    public InboundSchemes(IEnumerable<InboundSchemeRegistration> registrations, IServiceProvider services)
    {
        _schemes = Latest(registrations).ToFrozenDictionary(
            r => r.Key,
            r => new InboundScheme((IInboundScheme)(services.GetService(r.Value.HandlerType) ?? throw new InvalidOperationException($"The handler {r.Value.HandlerType} of scheme {r.Key} is not registered; register schemes with AddInboundScheme.")), r.Value.Options));
    }

    /// <summary>The scheme of an integration's verification method; false when none is registered (start-up validation refuses that).</summary>
    public bool TryGet(VerificationMethod verification, [NotNullWhen(true)] out InboundScheme? scheme) =>
        _schemes.TryGetValue(verification, out scheme);

    /// <summary>Every distinct events route of <paramref name="registrations"/>: what the host maps.</summary>
    public static IReadOnlyList<string> EventsRoutes(IEnumerable<InboundSchemeRegistration> registrations) =>
        [.. Latest(registrations).Values.Select(o => o.Options.EventsRoute).Prepend(InboundSchemeOptions.DefaultEventsRoute).Distinct(StringComparer.Ordinal)];

    /// <summary>The options of each method's registration in force (the last one).</summary>
    internal static Dictionary<VerificationMethod, InboundSchemeRegistration> Latest(IEnumerable<InboundSchemeRegistration> registrations)
    {
        var latest = new Dictionary<VerificationMethod, InboundSchemeRegistration>();
        foreach (var registration in registrations)
        {
            latest[registration.Verification] = registration;
        }

        return latest;
    }
}

/// <summary>A registered scheme: its handler and its options.</summary>
public sealed record InboundScheme(IInboundScheme Handler, InboundSchemeOptions Options);

/// <summary>
/// At start: every integration's verification method has a registered scheme, and each scheme
/// checks its own integrations' settings (<see cref="InboundSchemeOptions.Validate"/>). Every rule
/// runs without short-circuiting; messages name the full key.
/// </summary>
public sealed class InboundSchemesValidator(IEnumerable<InboundSchemeRegistration> registrations) : IValidateOptions<InboundOptions>
{
    private readonly Dictionary<VerificationMethod, InboundSchemeRegistration> _schemes = InboundSchemes.Latest(registrations);

    public ValidateOptionsResult Validate(string? name, InboundOptions options)
    {
        var errors = new List<string>();
        foreach (var (integration, settings) in options.Integrations)
        {
            if (settings.Verification is not { } verification)
            {
                continue; // InboundOptionsValidator names the missing method
            }

            var key = $"{InboundOptions.SectionName}:Integrations:{integration}";
            if (!_schemes.TryGetValue(verification, out var scheme))
            {
                errors.Add($"{key}:Verification {verification} has no registered scheme (AddInboundScheme); use one of {string.Join(", ", _schemes.Keys.Order())}.");
                continue;
            }

            scheme.Options.Validate(key, settings, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
