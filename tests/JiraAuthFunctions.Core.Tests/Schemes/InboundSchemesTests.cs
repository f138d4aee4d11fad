using JiraAuthFunctions.Inbound;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using JiraAuthFunctions.Keys;
using JiraAuthFunctions.Schemes;

namespace JiraAuthFunctions.Core.Tests.Schemes;

public sealed class InboundSchemesTests
{
    private const VerificationMethod Unregistered = (VerificationMethod)1000;

    private static InboundOptions Options(params (string Name, IntegrationOptions Settings)[] integrations)
    {
        var options = new InboundOptions();
        foreach (var (name, settings) in integrations)
        {
            options.Integrations[name] = settings;
        }

        return options;
    }

    [Fact]
    public void An_integration_whose_verification_has_no_registered_scheme_fails_the_start_naming_its_key()
    {
        var validator = new InboundSchemesValidator([new(VerificationMethod.SharedSecret, typeof(BearerScheme), new InboundSchemeOptions())]);

        var result = validator.Validate(null, Options(("odd", new IntegrationOptions { Verification = Unregistered })));

        Assert.Equal($"Inbound:Integrations:odd:Verification {Unregistered} has no registered scheme (AddInboundScheme); use one of SharedSecret.", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Each_scheme_checks_its_own_integrations_and_only_those()
    {
        var validator = new InboundSchemesValidator(
        [
            new(VerificationMethod.SharedSecret, typeof(BearerScheme), new InboundSchemeOptions()),
            new(Unregistered, typeof(BearerScheme), new NeedsAudience()),
        ]);

        var result = validator.Validate(null, Options(
            ("mine", new IntegrationOptions { Verification = Unregistered }),
            ("other", new IntegrationOptions { Verification = VerificationMethod.SharedSecret })));

        Assert.Equal("Inbound:Integrations:mine:Audience is required by this scheme.", Assert.Single(result.Failures!));
    }

    [Fact]
    public void A_later_registration_for_a_method_replaces_the_earlier_one()
    {
        var validator = new InboundSchemesValidator(
        [
            new(Unregistered, typeof(BearerScheme), new NeedsAudience()),
            new(Unregistered, typeof(BearerScheme), new InboundSchemeOptions()),
        ]);

        Assert.True(validator.Validate(null, Options(("mine", new IntegrationOptions { Verification = Unregistered }))).Succeeded);
    }

    [Fact]
    public void A_schemes_options_give_an_integration_its_keys_and_token_profile()
    {
        var keys = Mock.Of<ISigningKeySource>();
        var registry = IntegrationRegistry.Create(
            Options(("own", new IntegrationOptions { Verification = Unregistered })),
            Mock.Of<JiraAuthFunctions.Secrets.ISecretStore>(MockBehavior.Strict),
            new HttpClient(),
            TimeProvider.System,
            NullLoggerFactory.Instance,
            schemes: [new(Unregistered, typeof(BearerScheme), new OwnKeys(keys))]);

        Assert.True(registry.TryGet("own", out var integration));
        Assert.Same(keys, integration.Keys);
        Assert.True(integration.HoldsKeys);
        Assert.Equal(new[] { "us" }, integration.Issuers);
        Assert.Equal("own-audience", integration.Audience);
        Assert.Equal(new[] { "ES256" }, integration.Algorithms);
    }

    [Fact]
    public void A_scheme_without_keys_of_its_own_leaves_the_integration_without_keys_held()
    {
        var registry = IntegrationRegistry.Create(
            Options(("bare", new IntegrationOptions { Verification = Unregistered })),
            Mock.Of<JiraAuthFunctions.Secrets.ISecretStore>(MockBehavior.Strict),
            new HttpClient(),
            TimeProvider.System,
            NullLoggerFactory.Instance,
            schemes: [new(Unregistered, typeof(BearerScheme), new InboundSchemeOptions())]);

        Assert.True(registry.TryGet("bare", out var integration));
        Assert.False(integration.HoldsKeys);
    }

    [Fact]
    public void A_registration_needs_a_handler_type()
    {
        Assert.Throws<ArgumentException>(() => new InboundSchemeRegistration(Unregistered, typeof(string), new InboundSchemeOptions()));
    }

    [Fact]
    public void The_events_routes_are_the_default_and_each_schemes_own()
    {
        var routes = InboundSchemes.EventsRoutes(
        [
            new(VerificationMethod.SharedSecret, typeof(BearerScheme), new InboundSchemeOptions()),
            new(VerificationMethod.Connect, typeof(BearerScheme), new JiraAuthFunctions.Schemes.Connect.ConnectSchemeOptions()),
        ]);

        Assert.Equal(new[] { InboundSchemeOptions.DefaultEventsRoute, JiraAuthFunctions.Schemes.Connect.ConnectScheme.EventsRoute }, routes);
    }

    private sealed class NeedsAudience : InboundSchemeOptions
    {
        public override void Validate(string key, IntegrationOptions settings, ICollection<string> errors)
        {
            if (settings.Audience is null)
            {
                errors.Add($"{key}:Audience is required by this scheme.");
            }
        }
    }

    private sealed class OwnKeys(ISigningKeySource keys) : InboundSchemeOptions
    {
        public override ISigningKeySource? CreateKeys(string integration, IntegrationOptions settings, InboundSchemeContext context) => keys;

        public override TokenProfile? Profile(string integration, IntegrationOptions settings) => new(["us"], "own-audience", ["ES256"]);
    }
}
