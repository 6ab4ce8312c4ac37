// libip6t_dst: the IPv6 destination options header.
import { optionsHeader } from "./ip6-exthdr.js";

export const dst = optionsHeader("dst");
