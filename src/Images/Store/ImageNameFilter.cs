namespace Rlrun.Images.Store;

/// <summary>`images NAME[:TAG]`, as podman's images filters: an image is listed when one of its names
/// is NAME (whole, or its last path parts: "app" and "team/app" match "reg.example/team/app"), with
/// TAG when one is given; the image is then shown under all its names.</summary>
public static class ImageNameFilter
{
    public static bool Matches(ImageRecord image, string query) => image.Names.Any(n => Matches(n, query));

    public static bool Matches(string name, string query)
    {
        var (repo, tag) = Split(name);
        int slash = query.LastIndexOf('/'), colon = query.LastIndexOf(':');
        string qRepo = query, qTag = "";
        if (query.IndexOf('@') is var at and > 0) { qRepo = query[..at]; qTag = query[at..]; }
        else if (colon > slash) { qRepo = query[..colon]; qTag = query[(colon + 1)..]; }
        bool repoMatches = repo == qRepo || repo.EndsWith("/" + qRepo, StringComparison.Ordinal);
        return repoMatches && (qTag.Length == 0 || qTag == tag);
    }

    /// <summary>REPO:TAG -> (REPO, TAG); REPO@DIGEST -> (REPO, "@DIGEST").</summary>
    static (string Repo, string Tag) Split(string name)
    {
        if (name.IndexOf('@') is var at and > 0) return (name[..at], name[at..]);
        int colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? (name[..colon], name[(colon + 1)..]) : (name, "latest");
    }
}
