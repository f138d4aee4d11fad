using System.Diagnostics.CodeAnalysis;
using JiraAuthFunctions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
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

    /// <summary>
    /// The one way a settings section is registered: <typeparamref name="TOptions"/> bound strictly to
    /// <paramref name="sectionName"/>, checked by <typeparamref name="TValidator"/> (more validators may be
    /// added with <c>TryAddEnumerable</c>), at start. Once per options type, whichever capability asks first.
    /// </summary>
    public static IServiceCollection AddSettings<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string sectionName)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        if (!services.Any(d => d.ServiceType == typeof(SettingsSection<TOptions>)))
        {
            services.AddSingleton(new SettingsSection<TOptions>(sectionName));
            services.AddOptions<TOptions>().BindStrict(configuration.GetSection(sectionName)).ValidateOnStart();
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services;
    }
}

/// <summary>Every section's settings checked before anything is constructed.</summary>
internal static class SettingsValidation
{
    /// <summary>
    /// Runs every ValidateOnStart check now, right after the host is built. The host would run them
    /// when it starts, but only after constructing its hosted services, and a constructor that reads
    /// an options value fails first with that section's mistakes alone; here every bad section is
    /// named at once (an <see cref="OptionsValidationException"/>, or an AggregateException of one per section).
    /// </summary>
    public static THost WithSettingsValidated<THost>(this THost host) where THost : IHost
    {
        host.Services.GetService<IStartupValidator>()?.Validate();
        return host;
    }
}

/// <summary>Marks <typeparamref name="TOptions"/> as registered for <see cref="SectionName"/> (see <see cref="StrictBinding.AddSettings"/>).</summary>
internal sealed record SettingsSection<TOptions>(string SectionName);
