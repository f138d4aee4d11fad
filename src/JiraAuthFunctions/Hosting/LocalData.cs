namespace JiraAuthFunctions.Hosting;

/// <summary>
/// The local data folder (setting <c>DataPath</c>, default <c>data</c> under the working
/// directory): the file secret store, the revocation list and the event files live here.
/// </summary>
public sealed class LocalData(string path)
{
    public const string ConfigurationKey = "DataPath";

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public static LocalData From(IConfiguration configuration) => new(configuration[ConfigurationKey] is { Length: > 0 } path ? path : "data");
}
