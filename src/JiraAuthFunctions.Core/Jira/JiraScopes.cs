namespace JiraAuthFunctions.Jira;

/// <summary>What a token response's granted scopes say against a connection's <see cref="JiraConnectionOptions.RequiredScopes"/>.</summary>
/// <param name="Verification">One of the <see cref="JiraScopes"/> constants.</param>
/// <param name="Missing">The required scopes the grant lacks (empty unless <see cref="JiraScopes.Missing"/>).</param>
public sealed record JiraScopeCheck(string Verification, IReadOnlyList<string> Missing)
{
    public bool Failed => Missing.Count > 0;
}

/// <summary>
/// Compares required scopes with granted ones. Atlassian Cloud scopes (<c>read:jira-work</c>) are
/// compared exactly. Data Center scopes are ordered, each including the ones below it
/// (<c>READ</c> &lt; <c>WRITE</c> &lt; <c>ADMIN</c> &lt; <c>SYSTEM_ADMIN</c>: "WRITE ... also inherits READ access",
/// https://confluence.atlassian.com/enterprise/how-service-accounts-work-in-data-center-1627556033.html and
/// https://confluence.atlassian.com/adminjiraserver101/jira-oauth-2-0-provider-api-1455427907.html).
/// A response without <c>scope</c> granted what was asked (RFC 6749 section 5.1) when scopes were asked
/// for; otherwise it says nothing (<see cref="NotStated"/>), which is reported, not failed.
/// </summary>
public static class JiraScopes
{
    public const string Verified = "verified";
    public const string Missing = "missing";
    public const string NotStated = "not_stated";
    public const string NoneRequired = "none_required";
    public const string NotVerifiable = "not_verifiable";

    /// <summary>Scopes are required but no grant has been checked yet (no access token stored).</summary>
    public const string Unchecked = "unchecked";

    /// <summary>Tag on the stored access token version: the required scopes its grant lacks, space-separated.</summary>
    public const string MissingTag = "missingScopes";

    /// <summary>Tag on the stored access token version: how its scopes were verified (one of the constants above).</summary>
    public const string VerificationTag = "scopes";

    private static readonly string[] DataCenterOrder = ["READ", "WRITE", "ADMIN", "SYSTEM_ADMIN"];

    public static JiraScopeCheck Check(JiraAuthKind kind, IReadOnlyCollection<string> required, string? granted, bool requested)
    {
        if (!kind.ScopesVerifiable())
        {
            return new JiraScopeCheck(NotVerifiable, []);
        }

        if (required.Count == 0)
        {
            return new JiraScopeCheck(NoneRequired, []);
        }

        if (granted is null)
        {
            return new JiraScopeCheck(requested ? Verified : NotStated, []);
        }

        var grantedSet = granted.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var missing = required.Where(r => !IsGranted(kind, r, grantedSet)).Distinct(StringComparer.Ordinal).ToList();
        return new JiraScopeCheck(missing.Count == 0 ? Verified : Missing, missing);
    }

    /// <summary>Every required scope counts as missing: the endpoint refused them (<c>invalid_scope</c>) without saying which.</summary>
    public static JiraScopeCheck Refused(IReadOnlyCollection<string> required) =>
        new(Missing, required.Count == 0 ? ["(the requested scopes)"] : [.. required]);

    private static bool IsGranted(JiraAuthKind kind, string required, string[] granted)
    {
        if (granted.Contains(required, StringComparer.Ordinal))
        {
            return true;
        }

        if (!kind.IsDataCenter())
        {
            return false;
        }

        var needed = Array.IndexOf(DataCenterOrder, required.ToUpperInvariant());
        return needed >= 0 && granted.Any(g => Array.IndexOf(DataCenterOrder, g.ToUpperInvariant()) >= needed);
    }
}
