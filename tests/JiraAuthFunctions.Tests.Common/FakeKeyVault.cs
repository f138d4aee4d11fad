using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>
/// A small Key Vault on loopback that speaks the secrets REST protocol the SDK's
/// <see cref="SecretClient"/> uses, over HTTPS (the SDK sends bearer tokens over TLS only):
/// the bearer challenge on an unauthenticated call, get latest and by version, list versions
/// (paged by nextLink), set, update properties, 404 with Key Vault's error shape. Faults (429 with
/// Retry-After, 5xx) can be queued; every request is counted by kind.
/// </summary>
public sealed class FakeKeyVault : IAsyncDisposable
{
    public const string Challenge = "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001\", resource=\"https://vault.azure.net\"";
    private const int PageSize = 2;

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly ConcurrentDictionary<string, List<Version>> _secrets = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<(int Status, TimeSpan? RetryAfter)> _faults = new();  // 429s carry Retry-After: 1
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private readonly Lock _lock = new();
    private long _clock = 1_750_000_000;

    private FakeKeyVault(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        _certificate = certificate;
    }

    public Uri VaultUri { get; private set; } = null!;

    /// <summary>Requests by kind: "get", "list", "set", "update", "challenge", "fault".</summary>
    public int Count(string kind) => _counts.GetValueOrDefault(kind);

    /// <summary>The next requests (after the challenge) answer with these statuses, in order.</summary>
    public void QueueFaults(int status, int times, TimeSpan? retryAfter = null)
    {
        for (var i = 0; i < times; i++)
        {
            _faults.Enqueue((status, retryAfter));
        }
    }

    /// <summary>Every later request fails with this status until <see cref="Recover"/>.</summary>
    public int? Down { get; set; }

    public void Recover() => Down = null;

    public static async Task<FakeKeyVault> StartAsync()
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.UseHttps(certificate)));
        var app = builder.Build();
        var vault = new FakeKeyVault(app, certificate);
        app.Run(vault.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        vault.VaultUri = new Uri(address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/");
        return vault;
    }

    /// <summary>A real <see cref="SecretClient"/> for this vault: trusts its certificate, accepts its challenge.</summary>
    public SecretClient CreateClient(TokenCredential? credential = null)
    {
        var options = JiraAuthFunctions.Secrets.SecretsServiceCollectionExtensions.ClientOptions();
        options.DisableChallengeResourceVerification = true;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(100);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == _certificate.GetCertHashString();
        options.Transport = new HttpClientTransport(new HttpClient(handler));
        return new SecretClient(VaultUri, credential ?? new StaticCredential(), options);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal))
        {
            Increment("challenge");
            context.Response.StatusCode = 401;
            context.Response.Headers.WWWAuthenticate = Challenge;
            return;
        }

        int? failWith = Down ?? (_faults.TryDequeue(out var fault) ? fault.Status : null);
        if (failWith is { } status)
        {
            Increment("fault");
            context.Response.StatusCode = status;
            if (status == 429)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(Error(status switch { 429 => "Throttled", 403 => "Forbidden", _ => "InternalServerError" }, "The fake vault is failing on purpose.").ToJsonString());
            return;
        }

        // /secrets/{name}[/{version}|/versions]
        var segments = request.Path.Value!.Trim('/').Split('/');
        if (segments.Length < 2 || segments[0] != "secrets")
        {
            context.Response.StatusCode = 400;
            return;
        }

        var name = segments[1];
        var result = (request.Method, segments.Length > 2 ? segments[2] : null) switch
        {
            ("GET", "versions") => List(name, request),
            ("GET", var version) => Get(name, version),
            ("PUT", null) => Set(name, await JsonNode.ParseAsync(request.Body)),
            ("PATCH", { } version) => Update(name, version, await JsonNode.ParseAsync(request.Body)),
            _ => (405, (JsonNode?)null),
        };
        context.Response.StatusCode = result.Item1;
        if (result.Item2 is not null)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(result.Item2.ToJsonString());
        }
    }

    private (int, JsonNode?) Get(string name, string? version)
    {
        Increment("get");
        lock (_lock)
        {
            if (!_secrets.TryGetValue(name, out var versions) || versions.Count == 0)
            {
                return (404, Error("SecretNotFound", $"A secret with (name/id) {name} was not found in this key vault."));
            }

            var found = version is null or "" ? versions[^1] : versions.FirstOrDefault(v => v.Id == version);
            return found is null
                ? (404, Error("SecretNotFound", $"A secret with (name/id) {name}/{version} was not found in this key vault."))
                : (200, Bundle(name, found, withValue: true));
        }
    }

    private (int, JsonNode?) List(string name, HttpRequest request)
    {
        Increment("list");
        lock (_lock)
        {
            if (!_secrets.TryGetValue(name, out var versions))
            {
                return (404, Error("SecretNotFound", $"A secret with (name/id) {name} was not found in this key vault."));
            }

            var skip = int.TryParse(request.Query["$skiptoken"], out var s) ? s : 0;
            var page = new JsonArray([.. versions.Skip(skip).Take(PageSize).Select(v => Bundle(name, v, withValue: false))]);
            var next = skip + PageSize < versions.Count ? $"{VaultUri}secrets/{name}/versions?api-version={request.Query["api-version"]}&$skiptoken={skip + PageSize}" : null;
            return (200, new JsonObject { ["value"] = page, ["nextLink"] = next });
        }
    }

    private (int, JsonNode?) Set(string name, JsonNode? body)
    {
        Increment("set");
        lock (_lock)
        {
            var version = new Version
            {
                Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                Value = body!["value"]!.GetValue<string>(),
                Created = ++_clock,
            };
            Apply(version, body);
            _secrets.GetOrAdd(name, _ => []).Add(version);
            return (200, Bundle(name, version, withValue: true));
        }
    }

    private (int, JsonNode?) Update(string name, string id, JsonNode? body)
    {
        Increment("update");
        lock (_lock)
        {
            var version = _secrets.TryGetValue(name, out var versions) ? versions.FirstOrDefault(v => v.Id == id) : null;
            if (version is null)
            {
                return (404, Error("SecretNotFound", $"A secret with (name/id) {name}/{id} was not found in this key vault."));
            }

            Apply(version, body);
            return (200, Bundle(name, version, withValue: false));
        }
    }

    private static void Apply(Version version, JsonNode? body)
    {
        if (body?["attributes"] is JsonObject attributes)
        {
            version.Enabled = attributes["enabled"]?.GetValue<bool>() ?? version.Enabled;
            version.NotBefore = attributes.ContainsKey("nbf") ? attributes["nbf"]?.GetValue<long>() : version.NotBefore;
            version.Expires = attributes.ContainsKey("exp") ? attributes["exp"]?.GetValue<long>() : version.Expires;
        }

        if (body?["contentType"] is JsonValue contentType)
        {
            version.ContentType = contentType.GetValue<string>();
        }

        if (body?["tags"] is JsonObject tags)
        {
            version.Tags = tags.ToDictionary(t => t.Key, t => t.Value!.GetValue<string>());
        }
    }

    private JsonObject Bundle(string name, Version v, bool withValue)
    {
        var attributes = new JsonObject { ["enabled"] = v.Enabled, ["created"] = v.Created, ["updated"] = v.Created, ["recoveryLevel"] = "Recoverable+Purgeable" };
        if (v.NotBefore is { } nbf)
        {
            attributes["nbf"] = nbf;
        }

        if (v.Expires is { } exp)
        {
            attributes["exp"] = exp;
        }

        var bundle = new JsonObject
        {
            ["id"] = $"{VaultUri}secrets/{name}/{v.Id}",
            ["attributes"] = attributes,
            ["tags"] = new JsonObject([.. v.Tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value))]),
        };
        if (v.ContentType is not null)
        {
            bundle["contentType"] = v.ContentType;
        }

        if (withValue)
        {
            bundle["value"] = v.Value;
        }

        return bundle;
    }

    private static JsonObject Error(string code, string message) => new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    private void Increment(string kind) => _counts.AddOrUpdate(kind, 1, (_, n) => n + 1);

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
    }

    private sealed class Version
    {
        public required string Id { get; init; }
        public required string Value { get; init; }
        public long Created { get; init; }
        public bool Enabled { get; set; } = true;
        public long? NotBefore { get; set; }
        public long? Expires { get; set; }
        public string? ContentType { get; set; }
        public Dictionary<string, string> Tags { get; set; } = [];
    }

    /// <summary>A credential that hands out a fixed token and counts how often it is asked.</summary>
    public sealed class StaticCredential : TokenCredential
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return new AccessToken("fake-vault-token", TimeProvider.System.GetUtcNow().AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
