using System.Net;
using System.Net.Sockets;

namespace JiraAuthFunctions.Tests.Common;

/// <summary>Loopback ports for processes the tests start (Azurite, the packaged handler).</summary>
public static class Ports
{
    /// <summary>A port free right now on 127.0.0.1.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
