using Microsoft.Extensions.Time.Testing;

namespace JiraAuthFunctions.Core.Tests.Support;

/// <summary>The fake clock every test starts from: a fixed instant, so tokens and outcomes are reproducible.</summary>
public static class Clock
{
    public static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Create() => new(Start);
}
