using System.Diagnostics;

namespace JiraAuthFunctions.FunctionalTests.Support;

/// <summary>
/// A real small filesystem (Linux tmpfs) mounted over a folder, to fill a disk for real. Needs root
/// (CAP_SYS_ADMIN) on Linux; <see cref="Unavailable"/> says why not when the machine cannot.
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private static readonly Lazy<string?> Probe = new(ProbeOnce);

    private Tmpfs(string folder) => Folder = folder;

    public string Folder { get; }

    /// <summary>Null when a tmpfs can be mounted here, else the reason it cannot.</summary>
    public static string? Unavailable => Probe.Value;

    /// <summary>Mounts a tmpfs of the given size over an existing, empty folder.</summary>
    public static Tmpfs Mount(string folder, int sizeBytes)
    {
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={sizeBytes}", "tmpfs", folder);
        Assert.True(code == 0, $"mount tmpfs over {folder} failed ({code}): {output}");
        return new Tmpfs(folder);
    }

    /// <summary>Writes a file of zeros until the filesystem is full.</summary>
    public void Fill(string fileName)
    {
        using var filler = new FileStream(Path.Combine(Folder, fileName), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                filler.Write(block);
            }
        }
        catch (IOException)
        {
            // full
        }
    }

    public void Dispose()
    {
        // Lazy: the folder is detached even while something still holds a file in it.
        Run("umount", "-l", Folder);
    }

    private static string? ProbeOnce()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "tmpfs needs Linux.";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "mounting a tmpfs needs root; the full-disk case is covered by JsonLinesEventSinkTests with a failing stream.";
        }

        var folder = Path.Combine(Path.GetTempPath(), "jiraauth-tests", "tmpfs-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var (code, output) = Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder);
            if (code != 0)
            {
                return $"mount -t tmpfs failed here ({output.Trim()}); the full-disk case is covered by JsonLinesEventSinkTests with a failing stream.";
            }

            Run("umount", folder);
            return null;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"mount could not be run ({ex.Message}).";
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    private static (int Code, string Output) Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}

/// <summary>A fact that runs only where a tmpfs can be mounted; elsewhere it is skipped with the reason.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Tmpfs.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
