namespace Rlrun.Cli.Commands;

static class CommandArgs
{
    public static string SingleId(ParsedArgs args, string command)
    {
        if (args.Positional.Count == 0) throw new UsageException($"\"{command}\" requires a container id");
        if (args.Positional.Count > 1) throw new UsageException($"unexpected argument \"{args.Positional[1]}\"");
        return args.Positional[0];
    }
}
