namespace JiraAuthFunctions.Credentials;

/// <summary>A run of the credentials job where at least one step failed; the step and its error type are in event id 410.</summary>
public sealed class CredentialsJobFailedException : Exception
{
    public CredentialsJobFailedException()
        : base("At least one step of the credentials job failed; event id 410 (CredentialsJobFailed) names it. The next run retries.")
    {
    }

    public CredentialsJobFailedException(string message)
        : base(message)
    {
    }

    public CredentialsJobFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
