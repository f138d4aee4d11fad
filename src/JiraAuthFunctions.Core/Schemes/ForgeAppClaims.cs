using System.Text.Json;

namespace JiraAuthFunctions.Schemes;

/// <summary>
/// What a Forge invocation token's <c>app</c> claim says about the calling app: its id (an ARI
/// that must equal the configured app id), the installation (site and product it is installed in),
/// and the environment (development, staging, production). Read as part of the payload's one pass.
/// </summary>
public sealed record ForgeAppClaims(string? Id, string? InstallationId, string? EnvironmentType, string? EnvironmentId)
{
    private enum Member
    {
        Other,
        Id,
        InstallationId,
        Environment,
    }

    /// <summary>
    /// Reads the object the reader stands on (its start) and leaves the reader on its end; null
    /// when a member we read is repeated or of the wrong type (a token we should not guess about).
    /// </summary>
    internal static ForgeAppClaims? Read(ref Utf8JsonReader reader)
    {
        string? id = null, installationId = null, environmentType = null, environmentId = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var member = reader.ValueTextEquals("id"u8) ? Member.Id
                : reader.ValueTextEquals("installationId"u8) ? Member.InstallationId
                : reader.ValueTextEquals("environment"u8) ? Member.Environment
                : Member.Other;
            if (member != Member.Other && !Once(ref seen, member))
            {
                return null;
            }

            if (!reader.Read())
            {
                return null;
            }

            switch (member)
            {
                case Member.Id when reader.TokenType == JsonTokenType.String:
                    id = reader.GetString();
                    break;
                case Member.InstallationId when reader.TokenType == JsonTokenType.String:
                    installationId = reader.GetString();
                    break;
                case Member.Environment when reader.TokenType == JsonTokenType.StartObject:
                    if (!ReadEnvironment(ref reader, out environmentType, out environmentId))
                    {
                        return null;
                    }

                    break;
                case Member.Other:
                    reader.Skip();
                    break;
                default:
                    return null;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject ? new ForgeAppClaims(id, installationId, environmentType, environmentId) : null;
    }

    private static bool ReadEnvironment(ref Utf8JsonReader reader, out string? type, out string? id)
    {
        type = id = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            var isId = !isType && reader.ValueTextEquals("id"u8);
            if (!reader.Read())
            {
                return false;
            }

            if ((isType && type is not null) || (isId && id is not null))
            {
                return false;
            }

            if (isType || isId)
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                if (isType)
                {
                    type = reader.GetString();
                }
                else
                {
                    id = reader.GetString();
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool Once(ref int seen, Member member)
    {
        var bit = 1 << (int)member;
        if ((seen & bit) != 0)
        {
            return false;
        }

        seen |= bit;
        return true;
    }
}
