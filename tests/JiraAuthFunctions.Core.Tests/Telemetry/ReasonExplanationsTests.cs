using JiraAuthFunctions.Telemetry;

namespace JiraAuthFunctions.Core.Tests.Telemetry;

/// <summary><c>jiraauth check</c> explains every reason code: a new code without a sentence fails here.</summary>
public sealed class ReasonExplanationsTests
{
    public static TheoryData<ReasonCode> Reasons() => [.. Enum.GetValues<ReasonCode>()];

    [Theory]
    [MemberData(nameof(Reasons))]
    public void Every_reason_code_has_one_sentence(ReasonCode reason)
    {
        var sentence = reason.Explain();

        Assert.False(string.IsNullOrWhiteSpace(sentence));
        Assert.EndsWith(".", sentence, StringComparison.Ordinal);
        Assert.DoesNotContain(". ", sentence.TrimEnd('.'), StringComparison.Ordinal);
    }
}
