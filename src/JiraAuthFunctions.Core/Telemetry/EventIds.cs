namespace JiraAuthFunctions.Telemetry;

/// <summary>
/// Every log event id, in ranges per area. Ids are on-call's query keys: never reuse a retired one.
/// </summary>
public static class EventIds
{
    // Hosting 100-199
    public const int HandlerStarted = 100;
    public const int LocalQuickStart = 101;
    public const int NoIntegrations = 102;

    // Inbound 200-299
    public const int EventAccepted = 200;
    public const int RequestRejected = 201;
    public const int JwksRefreshed = 210;
    public const int JwksRefreshFailed = 211;
    public const int JwksRefetchThrottled = 212;
    public const int KeysServedStale = 215;
    public const int KeysExpired = 216;
    public const int KeyFetchRecovered = 217;
    public const int SigningKeysReadFailed = 218;
    public const int RevocationsReloaded = 220;
    public const int RevocationsReloadFailed = 221;
    public const int RevocationStoreUnavailable = 225;
    public const int RevocationsUnreadableAtStart = 226;
    public const int SinkWriteFailed = 230;
    public const int SinkFailing = 235;
    public const int SinkRecovered = 236;
    public const int EventFileVanished = 237;
    public const int EventFileTornTailSetAside = 238;
    public const int ConnectTenantInstalled = 240;
    public const int ConnectTenantReinstalled = 241;
    public const int ConnectTenantUninstalled = 242;
    public const int ConnectInstallKeyFetchFailed = 243;
    public const int ConnectTenantReadFailed = 244;
    public const int ConnectTenantLookupThrottled = 245;
    public const int DuplicateDeliveryAnswered = 250;
    public const int JwksKeySkipped = 265;
    public const int AccessTokenIssued = 285;
    public const int TokenRequestRefused = 286;
    public const int ClientLockedOut = 287;

    // Secrets 300-399
    public const int SecretCreated = 300;
    public const int SecretReadFailed = 301;
    public const int SharedSecretKeysRefreshed = 302;

    // Signing keys and the credentials job 400-499
    public const int SigningKeyCreated = 400;
    public const int SigningKeyPromoted = 401;
    public const int SigningKeyRetired = 402;
    public const int SigningKeyRotatedNow = 403;
    public const int SigningKeysLeaseHeld = 405;
    public const int CredentialsJobFailed = 410;
    public const int LeaseReleaseFailed = 415;
    public const int SharedSecretExpiring = 420;
    public const int JiraTokenRenewed = 430;
    public const int JiraReauthorizationRequired = 431;
    public const int JiraRenewalFailed = 432;
    public const int JiraLeaseUnavailable = 435;
    public const int JiraWebhooksExtended = 440;
    public const int JiraWebhookExtensionFailed = 441;
    public const int JiraWebhookExpired = 442;
    public const int JiraWebhooksListFailed = 443;
    public const int JiraWebhooksCurrent = 444;
    public const int JiraScopeMissing = 450;
    public const int JiraCredentialExpiring = 451;
    public const int JiraCredentialRefused = 452;
    public const int JiraCredentialExpired = 453;
    public const int JiraCredentialRejected = 454;
    public const int JiraCredentialExpiryUnknown = 455;
    public const int JiraThrottled = 495;
    public const int JiraRateLimitGaveUp = 496;
    public const int JiraNearRateLimit = 497;

    // Operations: shared stores of a scaled-out app 600-699
    public const int ReplayStoreFailed = 600;
    public const int DeliveryLogFailed = 601;
    public const int ReplayCommitFailed = 605;
    public const int ReplayReleaseFailed = 606;
}
