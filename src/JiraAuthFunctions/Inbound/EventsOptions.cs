using JiraAuthFunctions.Storage;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Inbound;

/// <summary>Where accepted events go (section <c>Events</c>), validated at start.</summary>
public sealed class EventsOptions
{
    public const string SectionName = "Events";

    /// <summary>
    /// <see cref="EventSinkKind.JsonLines"/> (the default: files under the data folder, for one
    /// instance and local use) or <see cref="EventSinkKind.Queue"/> (an Azure Storage queue, what a
    /// deployment uses; needs <c>Storage:ConnectionString</c>, or <c>Storage:QueueServiceUri</c> and
    /// <c>Storage:BlobServiceUri</c> with the managed identity).
    /// </summary>
    public EventSinkKind Sink { get; set; } = EventSinkKind.JsonLines;

    /// <summary>The queue for <see cref="EventSinkKind.Queue"/>, and the blob container for events too large for a message. Default <c>accepted-events</c>.</summary>
    public string QueueName { get; set; } = QueueEventSink.DefaultQueueName;
}

/// <summary>The event sinks.</summary>
public enum EventSinkKind
{
    /// <summary>One JSON line per event in <c>{DataPath}/events/</c>.</summary>
    JsonLines,

    /// <summary>An Azure Storage queue (large events in a blob the message points at).</summary>
    Queue,
}

/// <summary>
/// The sink's settings at start: a queue sink without storage settings would otherwise start and
/// answer 500 to every request.
/// </summary>
public sealed class EventsOptionsValidator(IOptions<StorageOptions> storage) : IValidateOptions<EventsOptions>
{
    public ValidateOptionsResult Validate(string? name, EventsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Sink))
        {
            errors.Add($"Events:Sink must be one of {string.Join(", ", Enum.GetNames<EventSinkKind>())}.");
        }

        if (options.Sink == EventSinkKind.Queue)
        {
            if (!IsValidQueueName(options.QueueName))
            {
                errors.Add("Events:QueueName must be 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit (it also names the blob container).");
            }

            // A Storage section that does not bind or validate is reported by its own validator.
            if (StorageOptions.IfValid(storage) is { } settings)
            {
                settings.Require(StorageService.Queue, "Events:Sink is Queue", errors);
                settings.Require(StorageService.Blob, "Events:Sink is Queue (events too large for a message go to a blob)", errors);
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // Azure's queue and container naming rules, which agree: 3-63, [a-z0-9-], no leading, trailing or double hyphen.
    private static bool IsValidQueueName(string? name) =>
        name is { Length: >= 3 and <= 63 } &&
        char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]) &&
        name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') &&
        !name.Contains("--", StringComparison.Ordinal);
}
