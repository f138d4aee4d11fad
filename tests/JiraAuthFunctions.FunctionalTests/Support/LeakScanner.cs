using System.Buffers.Text;
using System.Text;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>
/// Looks for secrets in text: whole tokens, their payload and signature segments, shared secrets
/// (as given, base64 and base64url), PEM bodies. Findings name what leaked, never the value.
/// </summary>
public sealed class LeakScanner
{
    /// <summary>Shorter needles ("a.b.c" segments) would match by chance and protect nothing.</summary>
    public const int MinLength = 12;

    private readonly Dictionary<string, string> _needles = new(StringComparer.Ordinal);

    public int Count => _needles.Count;

    public void AddToken(string label, string token)
    {
        Add(token, $"{label}: token");
        var segments = token.Split('.');
        if (segments.Length >= 2)
        {
            Add(segments[1], $"{label}: payload segment");
        }

        if (segments.Length >= 3)
        {
            Add(segments[^1], $"{label}: signature segment");
        }
    }

    public void AddSecret(string label, string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        Add(secret, $"{label}: as given");
        Add(Convert.ToBase64String(bytes), $"{label}: base64");
        Add(Base64Url.EncodeToString(bytes), $"{label}: base64url");
    }

    /// <summary>The base64 body of a PEM block, whole and line by line.</summary>
    public void AddPem(string label, string pem)
    {
        var lines = pem.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("-----", StringComparison.Ordinal))
            .ToList();
        Add(string.Concat(lines), $"{label}: PEM body");
        for (var i = 0; i < lines.Count; i++)
        {
            Add(lines[i], $"{label}: PEM line {i + 1}");
        }
    }

    /// <summary>What of the registered secrets appears in the text (labels only).</summary>
    public IReadOnlyList<string> Find(string text) =>
        _needles.Where(n => text.Contains(n.Key, StringComparison.Ordinal)).Select(n => n.Value).ToList();

    private void Add(string needle, string label)
    {
        if (needle.Length >= MinLength)
        {
            _needles.TryAdd(needle, label);
        }
    }
}
