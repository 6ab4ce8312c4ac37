// libip6t_hbh: the IPv6 hop-by-hop options header.
import { optionsHeader } from "./ip6-exthdr.js";

export const hbh = optionsHeader("hbh");
