using System.Diagnostics.CodeAnalysis;
using JiraAuthFunctions.Configuration;
using Microsoft.Extensions.Options;

namespace JiraAuthFunctions.Hosting;

/// <summary>Binds an options section after <see cref="SettingsCheck"/>: every setting that would not bind fails the start, named by its full key.</summary>
internal static class StrictBinding
{
    /// <summary>Binds <paramref name="section"/> after checking it; a failed check fails the options (and, with ValidateOnStart, the start).</summary>
    public static OptionsBuilder<TOptions> BindStrict<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] TOptions>(this OptionsBuilder<TOptions> builder, IConfigurationSection section)
        where TOptions : class
    {
        // Registered before Bind so it runs first: a top-level bad value gets this message, not the binder's exception.
        builder.Configure(_ =>
        {
            var errors = SettingsCheck.Check(section, typeof(TOptions));
            if (errors.Count > 0)
            {
                throw new OptionsValidationException(builder.Name, typeof(TOptions), errors);
            }
        });
        return builder.Bind(section);
    }
}
