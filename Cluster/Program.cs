using OrleansHotData.Cluster;

// `up`: the whole system for development; see UpCommand.
return args switch
{
    ["up", .. var rest] => await UpCommand.RunAsync(rest),
    [] or ["-h" or "--help" or "help"] => Help(0),
    _ => Help(2),
};

static int Help(int code)
{
    (code == 0 ? Console.Out : Console.Error).WriteLine(UpCommand.Usage);
    return code;
}
