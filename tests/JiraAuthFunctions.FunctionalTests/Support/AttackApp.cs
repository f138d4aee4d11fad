using System.Security.Cryptography;
using JiraAuthFunctions.Secrets;
using JiraAuthFunctions.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using JiraAuthFunctions.Schemes.Connect;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>
/// One running app for the attack cases: <c>hs</c> (HS256, shared secret put into the app's own
/// secret store, PerRequest), <c>rsa</c> (RS256, PEM), <c>ec</c> (ES256, JWK), and the Local
/// environment's <c>demo-rule</c> (LongLivedToken, seeded secret), <c>jira-app</c> (OAuthApp: Jira's
/// dynamic webhooks, HS256 with the client secret of Jira connection <c>attack-app</c>), <c>hooks</c>
/// (WebhookSecret, secret put into the store), <c>forge</c> (Forge, keys from a JWKS on loopback), <c>mixed</c>
/// (PublicKeys, one key per algorithm) and <c>jwks</c> (Jwks on loopback, keys with and without alg). The app's clock is a fake that
/// starts at the real time, so revocation reloads are stepped, not waited for.
/// </summary>
public sealed class AttackApp : IAsyncLifetime
{
    public const string Secret = "functional-hs-secret-0123456789-abcdefghijklmn";
    public const string RsaKid = "rsa-1";

    /// <summary>The OAuthApp integration and its Jira connection, whose client secret signs the webhook tokens.</summary>
    public const string OAuthApp = "jira-app";
    public const string OAuthConnection = "attack-app";
    public const string ClientSecret = "functional-oauth-client-secret-ATATT3xFfGF0-0123456789";
    public const string EcKid = "ec-1";
    public const string HookSecret = "functional-webhook-secret-9876543210-zyxwvu";
    public const string PreviousHookSecret = "functional-webhook-secret-before-rotation-42";
    public const string ForgeKid = "forge-1";
    public const string Hooks = "hooks";
    public const string Forge = "forge";

    /// <summary>ClientCredentials integrations: access tokens of the app's token endpoint, ES256 with its own signing key.</summary>
    public const string Cc = "cc";
    public const string OtherCc = "cc-other";

    /// <summary>PublicKeys with one key per algorithm (RS256 PEM, PS256 JWK with alg, ES256 JWK whose curve fixes it), all four algorithms allowed.</summary>
    public const string Mixed = "mixed";
    public const string PsKid = "ps-1";

    /// <summary>Jwks from a loopback JWKS: RS256 and PS256 keys stating alg, an EC key without (the curve fixes it), an RSA key without alg (skipped).</summary>
    public const string Jwks = "jwks";

    /// <summary>The LongLivedToken integration of appsettings.Local.json; the CLI knows it too.</summary>
    public const string Rule = "demo-rule";
    public const string RuleIssuer = "jira-auth-cli";

    // Generated once per run: key generation costs more than the requests.
    public static readonly RSA Rsa = RSA.Create(2048);
    public static readonly ECDsa Ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public static readonly ECDsa OtherEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public static readonly RSA ForgeRsa = RSA.Create(2048);
    public static readonly RSA PsRsa = RSA.Create(2048);
    public static readonly RSA JwksRs = RSA.Create(2048);
    public static readonly RSA JwksPs = RSA.Create(2048);
    public static readonly RSA JwksNoAlg = RSA.Create(2048);
    public static readonly ECDsa JwksEc = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private JwksServer? _forgeJwks;
    private JwksServer? _jwks;

    public FakeTimeProvider Time { get; } = new(TimeProvider.System.GetUtcNow());

    public TestApp App { get; private set; } = null!;

    /// <summary>The secret store version of <see cref="Secret"/>: the kid of hs tokens.</summary>
    public string Kid { get; private set; } = null!;

    public string RuleSecret { get; private set; } = null!;

    /// <summary>The secret store version of <see cref="HookSecret"/>.</summary>
    public string HookKid { get; private set; } = null!;

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Atlassian's install-keys service for the Connect integration <see cref="ConnectCalls.App"/>.</summary>
    public FakeInstallKeys InstallKeys { get; private set; } = null!;

    public const string InstallKid = "0f5e2b1c-7d1a-4c6e-9a7b-2f3c4d5e6f70";

    /// <summary>The private key Atlassian signs installs with (published under <see cref="InstallKid"/>).</summary>
    public RSA InstallKey { get; private set; } = null!;

    /// <summary>Installed tenants by clientKey with their current shared secret: <c>tenant-a</c> for requests, <c>tenant-re</c> for the refused shared-secret lifecycle rows, <c>tenant-off</c> for the uninstall row.</summary>
    public Dictionary<string, string> Tenants { get; } = new(StringComparer.Ordinal);

    /// <summary>A tenant that installed and then uninstalled: its tokens must not verify.</summary>
    public const string GoneTenant = "jira:tenant-gone";
    public string GoneSecret { get; } = ConnectCalls.NewSecret();

    /// <summary>Every Connect token and shared secret the fixture made, for the log scan (tokens in a URL are kept apart).</summary>
    public List<string> ConnectTokens { get; } = [];
    public List<string> ConnectTokensInUrl { get; } = [];
    public List<string> ConnectSecrets { get; } = [];

    public static Dictionary<string, string?> Settings(Uri forgeJwks, Uri installKeys, Uri jwks) => Integrations.Merge(
        // Framework logs at their most detailed too, so the log scan covers what ASP.NET Core would say.
        new() { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace" },
        TestApp.SharedSecretIntegration("hs"),
        Integrations.PublicKey("rsa", "RS256", RsaKid, pem: Rsa.ExportSubjectPublicKeyInfoPem()),
        Integrations.PublicKey("ec", "ES256", EcKid, jwk: TestTokens.PublicJwk(Ec, EcKid)),
        Integrations.OAuthApp(OAuthApp, OAuthConnection),
        Integrations.WebhookSecret(Hooks),
        Integrations.Forge(Forge, ForgeTokens.AppId, forgeJwks),
        Integrations.ClientCredentials(Cc),
        Integrations.ClientCredentials(OtherCc),
        ConnectCalls.Settings(installKeys),
        Integrations.PublicKeys(Mixed, "RS256,PS256,ES256,ES384",
            (RsaKid, "RS256", Rsa.ExportSubjectPublicKeyInfoPem(), null),
            (null, null, null, TestTokens.PublicJwk(PsRsa, PsKid, "PS256")),
            (null, null, null, TestTokens.PublicJwk(Ec, EcKid))),
        Integrations.Jwks(Jwks, "RS256,PS256,ES256", jwks));

    /// <summary>The document the <see cref="Jwks"/> integration's JWKS answers.</summary>
    public static string JwksDocument() => TestTokens.Jwks(
        TestTokens.PublicJwk(JwksRs, "j-rs", "RS256"),
        TestTokens.PublicJwk(JwksPs, "j-ps", "PS256"),
        TestTokens.PublicJwk(JwksEc, "j-ec"),
        TestTokens.PublicJwk(JwksNoAlg, "j-noalg"));

    /// <summary>The settings the app was started with (beyond the embedded ones), for the CLI's --settings.</summary>
    public Dictionary<string, string?> AppSettings { get; private set; } = [];

    /// <summary>The token endpoint's clients of <see cref="Cc"/> and <see cref="OtherCc"/>, made with <c>jiraauth client create</c>.</summary>
    public string CcClientId { get; private set; } = "";
    public string CcClientSecret { get; private set; } = "";
    public string OtherCcClientId { get; private set; } = "";
    public string OtherCcClientSecret { get; private set; } = "";

    /// <summary>The app's current signing key: what its token endpoint signs access tokens with.</summary>
    public JiraAuthFunctions.Signing.SigningKey OwnKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _forgeJwks = await JwksServer.StartAsync(TestTokens.Jwks(TestTokens.PublicJwk(ForgeRsa, ForgeKid)));
        InstallKeys = await FakeInstallKeys.StartAsync();
        InstallKey = InstallKeys.Publish(InstallKid);
        _jwks = await JwksServer.StartAsync(JwksDocument());
        AppSettings = Settings(_forgeJwks.Uri, InstallKeys.BaseUrl, _jwks.Uri);
        App = await TestApp.StartAsync(AppSettings, services => services.AddSingleton<TimeProvider>(Time));
        OwnKey = await AppSigningKey.CurrentAsync(App);
        var settingsFile = await AdminCli.SettingsFileAsync(App.DataPath, AppSettings);
        (CcClientId, CcClientSecret) = await CreateClientAsync(Cc, settingsFile);
        (OtherCcClientId, OtherCcClientSecret) = await CreateClientAsync(OtherCc, settingsFile);
        var store = App.Services.GetRequiredService<ISecretStore>();
        Kid = (await store.SetSecretAsync(SecretNames.ForIntegration("hs"), Secret)).Version;
        await store.SetSecretAsync(JiraAuthFunctions.Jira.JiraSecretNames.ClientSecret(OAuthConnection), ClientSecret);
        // A rotation in progress: the previous version still verifies next to the current one.
        await store.SetSecretAsync(SecretNames.ForIntegration(Hooks), PreviousHookSecret);
        HookKid = (await store.SetSecretAsync(SecretNames.ForIntegration(Hooks), HookSecret)).Version;
        RuleSecret = (await store.GetSecretAsync(SecretNames.ForIntegration(Rule)))?.Value
            ?? throw new InvalidOperationException($"No seeded secret for {Rule}: the app must run in the Local environment (appsettings.Local.json).");

        foreach (var tenant in new[] { "jira:tenant-a", "jira:tenant-re", "jira:tenant-off" })
        {
            Tenants[tenant] = ConnectCalls.NewSecret();
            await InstallAsync(tenant, Tenants[tenant]);
        }

        await InstallAsync(GoneTenant, GoneSecret);
        var uninstall = await ConnectCalls.PostAsync(App.Client, ConnectCalls.AppPath + "/uninstalled", "JWT " + Connect(ConnectCalls.Rs(ConnectCalls.LifecycleClaims(Now, GoneTenant, "uninstalled"), InstallKey, InstallKid)),
            ConnectCalls.Payload(GoneTenant, null, "uninstalled"), "uninstall-gone");
        Assert.Equal(204, uninstall.Status);
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        if (_forgeJwks is not null)
        {
            await _forgeJwks.DisposeAsync();
        }

        if (_jwks is not null)
        {
            await _jwks.DisposeAsync();
        }

        await InstallKeys.DisposeAsync();
    }

    private async Task<(string Id, string Secret)> CreateClientAsync(string integration, string settingsFile)
    {
        var lines = (await AdminCli.RunOkAsync(App.DataPath, Time, "client", "create", integration, "--settings", settingsFile)).Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (lines.Single(l => l.StartsWith("client_id=", StringComparison.Ordinal))["client_id=".Length..],
            lines.Single(l => l.StartsWith("client_secret=", StringComparison.Ordinal))["client_secret=".Length..]);
    }

    /// <summary>Installs a tenant the way Atlassian does (signed install over HTTP); asserts the 204.</summary>
    public async Task InstallAsync(string clientKey, string secret)
    {
        var reply = await ConnectCalls.PostAsync(App.Client, ConnectCalls.AppPath + "/installed", "JWT " + Connect(ConnectCalls.Rs(ConnectCalls.LifecycleClaims(Now, clientKey, "installed"), InstallKey, InstallKid)),
            ConnectCalls.Payload(clientKey, ConnectSecret(secret), "installed"), "install-" + Guid.NewGuid().ToString("N"));
        Assert.True(reply.Status == 204, $"install of {clientKey}: {reply.Status} {reply.Body}");
    }

    /// <summary>Records a Connect token for the log scan and returns it.</summary>
    public string Connect(string token, bool inUrl = false)
    {
        (inUrl ? ConnectTokensInUrl : ConnectTokens).Add(token);
        return token;
    }

    /// <summary>Records a shared secret for the log scan and returns it.</summary>
    public string ConnectSecret(string secret)
    {
        ConnectSecrets.Add(secret);
        return secret;
    }

    public Dictionary<string, object?> Claims() => TestTokens.Claims(Now);

    /// <summary>Good claims with one change.</summary>
    public Dictionary<string, object?> Claims(Action<Dictionary<string, object?>> change)
    {
        var claims = Claims();
        change(claims);
        return claims;
    }

    /// <summary>Claims that expired two minutes ago (beyond the 60 s skew).</summary>
    public Dictionary<string, object?> ExpiredClaims() => Claims(c =>
    {
        c["iat"] = c["nbf"] = (Now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds();
        c["exp"] = (Now - TimeSpan.FromMinutes(2)).ToUnixTimeSeconds();
    });

    public Dictionary<string, object?> HsHeader() => TestTokens.Header("HS256", Kid);

    public string Hs(Dictionary<string, object?>? claims = null, Dictionary<string, object?>? header = null) =>
        TestTokens.Create(header ?? HsHeader(), claims ?? Claims(), TestTokens.Hmac(Secret));

    public string Rs(Dictionary<string, object?>? claims = null) =>
        TestTokens.Create(TestTokens.Header("RS256", RsaKid), claims ?? Claims(), TestTokens.Rsa(Rsa));

    public string Es(Dictionary<string, object?>? claims = null, ECDsa? key = null) =>
        TestTokens.Create(TestTokens.Header("ES256", EcKid), claims ?? Claims(), TestTokens.Ecdsa(key ?? Ec));

    /// <summary>A token as Jira signs a dynamic webhook of an OAuth 2.0 app: HS256 with the client secret, no kid, iat and exp.</summary>
    public string Webhook(Dictionary<string, object?>? claims = null, string alg = "HS256", string secret = ClientSecret) =>
        TestTokens.Create(TestTokens.Header(alg), claims ?? WebhookClaims(), TestTokens.Hmac(secret, alg));

    /// <summary>What Atlassian documents for these tokens: an issue and an expiry time (no iss, aud or jti).</summary>
    public Dictionary<string, object?> WebhookClaims(Action<Dictionary<string, object?>>? change = null)
    {
        var claims = new Dictionary<string, object?> { ["iat"] = Now.ToUnixTimeSeconds(), ["exp"] = (Now + TimeSpan.FromMinutes(3)).ToUnixTimeSeconds() };
        change?.Invoke(claims);
        return claims;
    }

    /// <summary>Forge claims at the app's clock, with one change.</summary>
    public Dictionary<string, object?> ForgeClaims(Action<Dictionary<string, object?>>? change = null)
    {
        var claims = ForgeTokens.Claims(Now);
        change?.Invoke(claims);
        return claims;
    }

    /// <summary>A Forge invocation token signed with the key the loopback JWKS publishes (or another).</summary>
    public string Fit(Dictionary<string, object?>? claims = null, RSA? key = null) =>
        TestTokens.Create(TestTokens.Header("RS256", ForgeKid), claims ?? ForgeClaims(), TestTokens.Rsa(key ?? ForgeRsa));

    /// <summary>X-Hub-Signature of the body as Jira computes it: sha256= and the lower-case hex HMAC-SHA256.</summary>
    public static string HubSignature(string body, string secret = HookSecret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(body)));

    /// <summary>Claims of an access token the token endpoint issues for <paramref name="integration"/> (5 minutes), with one change.</summary>
    public Dictionary<string, object?> AccessClaims(string integration = Cc, Action<Dictionary<string, object?>>? change = null)
    {
        var claims = new Dictionary<string, object?>
        {
            ["iss"] = JiraAuthFunctions.OAuth.ClientCredentialsToken.Issuer,
            ["aud"] = JiraAuthFunctions.OAuth.ClientCredentialsToken.AudienceFor(integration),
            ["sub"] = integration + ".0123456789abcdef01234567",
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["scope"] = "events:write events:read",
            ["iat"] = Now.ToUnixTimeSeconds(),
            ["nbf"] = Now.ToUnixTimeSeconds(),
            ["exp"] = (Now + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds(),
        };
        change?.Invoke(claims);
        return claims;
    }

    /// <summary>An access token signed as the token endpoint signs it (ES256, the app's current key and kid), or with another key under that kid.</summary>
    public string AccessToken(Dictionary<string, object?>? claims = null, ECDsa? key = null) =>
        TestTokens.Create(TestTokens.Header("ES256", OwnKey.Kid), claims ?? AccessClaims(), TestTokens.Ecdsa(key ?? OwnKey.Key));

    /// <summary>A demo-rule token as the CLI would mint it: 30 days, issuer jira-auth-cli.</summary>
    public string RuleToken(string jti)
    {
        var claims = Claims();
        claims["iss"] = RuleIssuer;
        claims["jti"] = jti;
        claims["exp"] = (Now + TimeSpan.FromDays(30)).ToUnixTimeSeconds();
        return TestTokens.Create(TestTokens.Header("HS256"), claims, TestTokens.Hmac(RuleSecret));
    }
}
